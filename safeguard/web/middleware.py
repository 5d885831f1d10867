"""Give every request an id, so each audit row written while serving it can be traced back; renew
idle expiry without writing the session on every request."""

import re
import time
import uuid

from django.contrib.auth import SESSION_KEY
from django.utils.cache import add_never_cache_headers

from safeguard.audit.context import request_id

_SAFE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Use the proxy's X-Request-ID when it is well formed, else a fresh one; echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SAFE.match(given) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class IdleExpiryMiddleware:
    """Renew a signed-in session's idle expiry at most once a minute, instead of writing the
    session row (an UPDATE and a commit) on every request. The session then ends between
    SESSION_COOKIE_AGE - 60 s and SESSION_COOKIE_AGE after the last request: never later than it
    would have with a write on every request. Must sit after SessionMiddleware."""

    REFRESH_AFTER = 60  # seconds
    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a signed-in session is renewed: after sign-out the flushed session stays unsaved.
        if session is not None and session.get(SESSION_KEY) is not None:
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= self.REFRESH_AFTER:
                session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response


class NoStoreMiddleware:
    """Every page this app serves may show a child (or the sign-in that leads to one): no shared
    browser or proxy may keep a copy (Cache-Control: no-store). Static files are served before this
    runs (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
