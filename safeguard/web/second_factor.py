"""An administrator's second factor at sign-in (issue 6): after a right password the session holds
only a pending sign-in, never a signed-in user, so no page but these opens until the code is right.
Codes and their rules live in safeguard.access (totp, services, selectors); these views are thin."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from safeguard.access import policy, selectors, totp
from safeguard.access import services as access
from safeguard.core.errors import RecordInvalid
from safeguard.workforce.models import User

from . import forms

PENDING = "_sg_pending_sign_in"
PENDING_SECONDS = 5 * 60  # the password's proof lasts this long without a code


class CodeForm(forms.GovForm):
    code = django_forms.CharField(
        label="Code",
        help_text="The 6-digit code your authenticator app shows now. It changes every 30 seconds.",
        max_length=12,
        widget=django_forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false",
                   "autocapitalize": "off"}
        ),
    )
    WIDTH = " govuk-input--width-5 govuk-input--extra-letter-spacing"

    def _widen(self) -> None:
        widget = self.fields["code"].widget
        if "width-5" not in widget.attrs.get("class", ""):
            widget.attrs["class"] = widget.attrs.get("class", "") + self.WIDTH

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._widen()

    def full_clean(self):
        super().full_clean()
        self._widen()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._widen()


def _violations_to(form, exc: RecordInvalid) -> None:
    for v in exc.violations:
        form.add_error("code" if v.field == "code" else None, v.message[:1].upper() + v.message[1:])


# --- between the password and the code ------------------------------------------------------------


def after_password(request, user, next_url: str) -> HttpResponse | None:
    """Called by the sign-in view once the password is right. Where a code (or a set-up) is due,
    keep a pending sign-in in a fresh session instead of signing in, and ask for it."""
    step = selectors.second_factor_step(user)
    if step is None:
        return None
    request.session.cycle_key()  # no session id from before the password carries on
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": int(time.time()),
        "step": step,
    }
    return redirect("web:sign_in_code" if step == "code" else "web:second_factor_set_up")


def _pending(request, step: str):
    """The user whose password was right a moment ago, if this session has one waiting for `step`."""
    pending = request.session.get(PENDING)
    if not pending or pending.get("step") != step:
        return None, None
    if time.time() - pending.get("since", 0) > PENDING_SECONDS:
        del request.session[PENDING]
        return None, None

    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _finish(request, user, pending) -> HttpResponse:
    """Only now is the user signed in (a fresh session again; axes forgets earlier failures)."""
    del request.session[PENDING]
    login(request, user, backend=pending["backend"])
    next_url = pending.get("next") or reverse("web:home")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("web:home")
    return redirect(next_url)


def _locked_out(request) -> HttpResponse:
    request.session.pop(PENDING, None)
    return render(request, "web/locked_out.html", status=429)


@never_cache
@sensitive_post_parameters("code")
def sign_in_code(request):
    """Second step of an enrolled user's sign-in. A wrong, old or reused code is a failed sign-in
    for django-axes, so the password's failures and the code's share one lockout."""
    user, pending = _pending(request, "code")
    if user is None:
        return redirect("web:sign_in")
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return _locked_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if access.second_factor_verify(user=user, code=form.cleaned_data["code"]):
            return _finish(request, user, pending)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
        form.add_error("code", "The code is not right. Type the code your authenticator app shows now; "
                               "each code works once.")
    return render(request, "web/second_factor_code.html", {"form": form})


@never_cache
@sensitive_post_parameters("code")
def set_up(request):
    """Enrol an authenticator app: by a signed-in administrator, or (where the council requires a
    second factor) by an administrator between the password and being signed in."""
    user, pending = _pending(request, "set_up")
    if user is None:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('web:sign_in')}?{urlencode({'next': request.path})}")
        if policy.role_of(request.user) != policy.ADMINISTRATOR:
            raise PermissionDenied("a second factor is for administrators")
        user = request.user
    try:
        factor = access.second_factor_begin(user=user)
    except RecordInvalid:
        return redirect("web:second_factor")  # already enrolled: the secret is not shown again
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access.second_factor_confirm(user=user, code=form.cleaned_data["code"])
        except RecordInvalid as exc:
            _violations_to(form, exc)
        else:
            if pending is not None:
                return _finish(request, user, pending)
            messages.success(request, "Your authenticator app is set up: sign-in will ask for a code")
            return redirect("web:second_factor")
    uri = totp.provisioning_uri(factor.secret, account=user.get_username())
    return render(
        request,
        "web/second_factor_set_up.html",
        {
            "form": form,
            "secret_groups": [factor.secret[i : i + 4] for i in range(0, len(factor.secret), 4)],
            "uri": uri,
            "qr": mark_safe(totp.qr_svg(uri)),  # drawn by segno from our own URI: no user text
            "pending": pending is not None,
        },
    )


# --- signed in: see it, turn it off ---------------------------------------------------------------


def _overview(request, form, status=200) -> HttpResponse:
    factor = selectors.second_factor_of(request.user)
    required = selectors.second_factor_required(request.user)
    return render(
        request,
        "web/second_factor.html",
        {"factor": factor, "required": required, "can_turn_off": factor is not None and not required,
         "form": form, "colleagues": selectors.second_factors_to_reset(request.user)},
        status=status,
    )


@login_required
@never_cache
def overview(request):
    """Whether the signed-in user's sign-in asks for a code; set it up or turn it off."""
    enrolled = selectors.second_factor_of(request.user) is not None
    if not enrolled and policy.role_of(request.user) != policy.ADMINISTRATOR:
        raise PermissionDenied("a second factor is for administrators")
    return _overview(request, CodeForm())


@login_required
@require_POST
@sensitive_post_parameters("code")
def turn_off(request):
    """Turning it off takes a current code, so a session left open is not enough to remove it."""
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            access.second_factor_revoke(
                by=request.user, user_id=request.user.pk, code=form.cleaned_data["code"]
            )
        except RecordInvalid as exc:
            _violations_to(form, exc)
        else:
            messages.success(
                request, "Your authenticator app is turned off: sign-in asks for your password only"
            )
            return redirect("web:second_factor")
    return _overview(request, form, status=400)


@login_required
@require_POST
def reset(request, user_id: int):
    """Another administrator of the council resets a colleague's app (a lost phone); the
    colleague signs in with their password and sets it up again."""
    try:
        factor = access.second_factor_revoke(by=request.user, user_id=user_id)
    except RecordInvalid as exc:
        for v in exc.violations:
            messages.error(request, v.message)
        return redirect("web:second_factor")
    messages.success(request, f"{factor.user.get_username()}'s authenticator app is reset: they sign in "
                              "with their password and set up their app again")
    return redirect("web:second_factor")


def admin_sign_in(request):
    """The Django admin's own sign-in form would take a password alone: send it to ours instead."""
    if request.user.is_authenticated:
        raise PermissionDenied("the administration pages are for administrators")
    next_url = request.GET.get("next", reverse("admin:index"))
    return redirect(f"{reverse('web:sign_in')}?{urlencode({'next': next_url})}")
