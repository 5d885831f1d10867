"""Settings come from the environment so one build runs on SQLite (embedded) or PostgreSQL."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SAFEGUARD_VAR_DIR", Path.cwd() / "var"))

DEBUG = os.environ.get("DEBUG", "0") == "1"
# Plain http on loopback (`make demo`, the browser tests): no Secure-only cookies, HSTS or redirect.
PLAIN_HTTP = DEBUG or os.environ.get("SAFEGUARD_INSECURE_COOKIES") == "1"


def _secret_key() -> str:
    """SECRET_KEY from the environment; without one, a random key kept in var/secret_key (made on
    first use, readable by its owner only), so no installation ever runs on a key known to others.
    A short or published key is refused unless DEBUG is on."""
    from django.core.exceptions import ImproperlyConfigured

    key = os.environ.get("SECRET_KEY", "")
    if not key:
        path = VAR_DIR / "secret_key"
        if not path.exists():
            import secrets

            VAR_DIR.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50))
        key = path.read_text().strip()
    if not DEBUG and (len(key) < 50 or "insecure" in key or key.startswith("django-insecure")):
        raise ImproperlyConfigured(
            "SECRET_KEY is a development or short key (under 50 characters): set a long random "
            "SECRET_KEY, or unset it to use var/secret_key"
        )
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "safeguard.core.admin.SuperuserAdminConfig",  # the Django admin: superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "csp",
    "django_htmx",
    "safeguard.core",
    "safeguard.workforce",
    "safeguard.audit",
    "safeguard.timescales",
    "safeguard.people",
    "safeguard.front_door",
    "safeguard.assessment",
    "safeguard.child_protection",
    "safeguard.looked_after",
    "safeguard.lado",
    "safeguard.casework",
    "safeguard.iro",
    "safeguard.notifications",
    "safeguard.demo",
    "safeguard.returns",
    "safeguard.performance",
    "safeguard.forecast",
    "safeguard.assurance.audits",
    "safeguard.assurance.complaints",
    "safeguard.assurance.supervision",
    "safeguard.assurance.improvement",
    "safeguard.governance",
    "safeguard.access",
    "safeguard.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safeguard.web.middleware.NoStoreMiddleware",
    "safeguard.web.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safeguard.web.middleware.IdleExpiryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeguard.urls"
WSGI_APPLICATION = "safeguard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "safeguard.web.notifications.unread",
            ]
        },
    }
]

# Email announces a notification (never its content) where an SMTP server is configured; empty: none.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "safeguard@localhost")
SAFEGUARD_SITE_URL = os.environ.get("SAFEGUARD_SITE_URL", "")  # e.g. https://safeguard.example.gov.uk

_default_sqlite = f"sqlite:///{VAR_DIR / 'safeguard.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let a reader and a writer work at once without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A covering index (`include=`) is covering on PostgreSQL and a plain index here: nothing to warn of.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs more than it saves on this service's queries (measured: 1.35 s of a
    # 1.58 s scorecard query on a large council). A random page read costs little more than a
    # sequential one when the record is cached or on SSD: at the default (4) the planner scans a
    # whole table to join a few rows to it (the manager's sign-offs: 15 ms against 5 ms).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c random_page_cost=1.1"

# Connections a scorecard's figures are read on at once, all through one snapshot of the record
# (`core.snapshot`; PostgreSQL only): one per core by default, the database being on this machine.
SCORECARD_CONNECTIONS = int(os.environ.get("SAFEGUARD_SCORECARD_CONNECTIONS", os.cpu_count() or 1))

AUTH_USER_MODEL = "workforce.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if os.environ.get("SAFEGUARD_FAST_HASHER") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded documents: outside the web root, each file named by its SHA-256 (casework.documents);
# nothing serves this folder, every download goes through the access policy and the audit.
DOCUMENTS_DIR = Path(os.environ.get("SAFEGUARD_DOCUMENTS_DIR", VAR_DIR / "documents"))
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: Redis where REDIS_URL (or CACHE_URL, redis://...) is configured, shared by every
# worker process; otherwise each process's own memory.
_CACHE_URL = os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL", "")
if _CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    import importlib.util

    if importlib.util.find_spec("redis") is None:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("REDIS_URL/CACHE_URL names Redis: install the redis package")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": _CACHE_URL, "KEY_PREFIX": "safeguard", "TIMEOUT": 300}}
    # Sessions read from the shared cache (written through to the database): no session query on
    # most requests. Only with a shared cache: a per-process cache would keep a signed-out session
    # alive in the other workers.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "LOCATION": "safeguard"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 30 * 60
# Idle expiry is renewed at most once a minute by IdleExpiryMiddleware, not by a write per request.
SESSION_SAVE_EVERY_REQUEST = False
X_FRAME_OPTIONS = "DENY"

# Counting conventions a council may change to reproduce legacy figures (INDICATORS.md §0.4).
SAFEGUARD = {
    "LA_CODE": os.environ.get("SAFEGUARD_LA_CODE", "E06000049"),
    "WORKING_DAY_COUNT_MODE": "DFE_EXCLUSIVE_START",
    "MONTH_ARITHMETIC": "RELATIVEDELTA",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# --- the practitioners' web app: sign-in protection (safeguard/web, safeguard/access) ---------
from csp.constants import NONCE, NONE, SELF  # noqa: E402

# django-axes: five failed sign-ins for one username from one address lock it for 30 minutes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SAFEGUARD_LOCKOUT_AFTER", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
# A typed one-time code is masked in axes' record of a failed attempt, like the password.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Administrators' second factor (RFC 6238 codes from an authenticator app; safeguard/web/second_factor.py):
# "optional" lets each administrator enrol; "required" sends an administrator without one to set it
# up after the password, before anything else (NCSC: multi-factor authentication for privileged accounts).
SAFEGUARD_ADMIN_SECOND_FACTOR = os.environ.get("SAFEGUARD_ADMIN_SECOND_FACTOR", "optional")
if SAFEGUARD_ADMIN_SECOND_FACTOR not in ("optional", "required"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SAFEGUARD_ADMIN_SECOND_FACTOR must be 'optional' or 'required'")

LOGIN_URL = "web:sign_in"
LOGIN_REDIRECT_URL = "web:my_work"
LOGOUT_REDIRECT_URL = "web:sign_in"
# Idle expiry: SESSION_COOKIE_AGE (30 minutes), renewed at most once a minute (IdleExpiryMiddleware);
# gone when the browser closes.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = not PLAIN_HTTP
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS only outside DEBUG: plain http is redirected, and browsers are told to use HTTPS for a year.
SECURE_SSL_REDIRECT = not PLAIN_HTTP
SECURE_HSTS_SECONDS = 0 if PLAIN_HTTP else int(os.environ.get("SAFEGUARD_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0 and os.environ.get("SAFEGUARD_HSTS_PRELOAD", "1") == "1"
# Behind a proxy that ends TLS and says so in X-Forwarded-Proto (set only if the proxy always sets it).
if os.environ.get("SAFEGUARD_BEHIND_TLS_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Strict Content-Security-Policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# GOV.UK Frontend comes from the npm registry at `make` time into var/ (never into the repository);
# WhiteNoise serves it at the site root, where its stylesheet expects /assets/.
GOVUK_FRONTEND_DIR = Path(os.environ.get(
    "SAFEGUARD_GOVUK_FRONTEND",
    BASE_DIR.parent / "var" / "frontend" / "node_modules" / "govuk-frontend" / "dist" / "govuk"))
if GOVUK_FRONTEND_DIR.is_dir():
    WHITENOISE_ROOT = GOVUK_FRONTEND_DIR
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Break-glass access to a record one may not otherwise open lasts this long (minutes).
SAFEGUARD_BREAK_GLASS_MINUTES = int(os.environ.get("SAFEGUARD_BREAK_GLASS_MINUTES", "60"))
# A stated legitimate relationship opens a case no social worker holds for a working day (minutes).
SAFEGUARD_RELATIONSHIP_MINUTES = int(os.environ.get("SAFEGUARD_RELATIONSHIP_MINUTES", "480"))
