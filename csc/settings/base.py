"""Settings shared by every environment, read from environment variables (django-environ).

Without any variable csc runs the demo: SQLite under var/, Celery tasks in-process, mail to the
console, a file cache. With DATABASE_URL and REDIS_URL it uses PostgreSQL and Redis.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("CSC_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# Demo default only; production.py demands a real key.
SECRET_KEY = env.str("SECRET_KEY", default="demo-only-insecure-key-never-use-in-production")
# Off unless asked for: Django's debug pages show settings and the URL list to anyone.
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "club.apps.BoardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "pgtrigger",
    "ninja",
    "django_celery_beat",
    "club",
    "members",
    "harvests",
    "dispensing",
    "finance",
    "governance",
    "compliance",
    "prevention",
]

MIDDLEWARE = [
    "club.middleware.HealthCheckMiddleware",
    "club.middleware.ApiErrorFormatMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "club.middleware.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "club.sessions.StaffSessionTimeoutMiddleware",
    "club.middleware.ClubTimezoneMiddleware",
    "club.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content-Security-Policy on every page (django-csp): scripts and styles only from the app's own
# static files (htmx, Pico and csc.js are vendored), nothing inline but style attributes (the
# width of a chart bar), no plug-ins, no framing, forms only to the app itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

CSRF_FAILURE_VIEW = "club.middleware.csrf_failure"
ROOT_URLCONF = "csc.urls"
WSGI_APPLICATION = "csc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "club.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'csc.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two requests never interleave read-then-write
    # (SQLite's stand-in for the row locks the services take on PostgreSQL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# Seconds a connection is kept for the next request (production: 60); 0 closes it each time.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection is checked before a request uses it: after a database restart the next
# request opens a new one instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "club.cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="csc"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # A file cache is shared by every process of the demo (rate limits must hold across workers).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
# A task is acknowledged when it has finished, and given back when its worker dies, so a killed
# worker's job is delivered again; the jobs' compare-and-set claim makes the second delivery safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No task may run longer than this; Redis redelivers an unacknowledged message after the
# visibility timeout, which must stay above the longest run or a live task would run twice.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 5 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 30 * 60
    )
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a task while Redis is down fails within seconds instead of hanging the request: the
# job stays queued and the recovery sweep sends it again (club.jobs).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 60 * 60
# Schedules live in the database (django-celery-beat): the board sees and changes them, and a
# deploy does not restart their clocks. compliance.schedules creates the defaults.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True
# A job whose worker sent no heartbeat for this long is presumed dead and may be taken over.
CSC_JOB_LEASE_SECONDS = env.int("CSC_JOB_LEASE_SECONDS", default=10 * 60)
# Fault injection for the crash tests only: seconds a report sleeps between its steps.
CSC_REPORT_STEP_DELAY = env.float("CSC_REPORT_STEP_DELAY", default=0.0)

# --- Auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "club.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "club:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "club:home"

ACCOUNT_ADAPTER = "club.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "club.adapters.user_display"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[csc] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("HTTP_PROTOCOL", default="http")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    # At most 5 failed logins per account in 5 minutes, 10 per address per minute.
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# Behind a reverse proxy (Caddy in docker-compose.yml): how many X-Forwarded-For hops to trust for
# the client's address, which the sign-in and application rate limits key on. 0: REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("CSC_TRUSTED_PROXIES", default=0)
# Staff sessions end after this many idle minutes, and this many hours after sign-in.
CSC_STAFF_IDLE_MINUTES = env.int("CSC_STAFF_IDLE_MINUTES", default=30)
CSC_STAFF_SESSION_HOURS = env.int("CSC_STAFF_SESSION_HOURS", default=12)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="csc")

# --- I18N -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("es", _("Spanish")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["csc.formats"]  # one date format per language (csc/formats/)
USE_TZ = True
TIME_ZONE = "UTC"  # storage; pages use the club's timezone (ClubTimezoneMiddleware)

# --- Static, mail -------------------------------------------------------------------------------
# Uploaded files (lab certificates, assembly documents, minutes) are served only through views
# that check the user's role; there is no public media URL.
MEDIA_ROOT = Path(environ.Env().str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The app serves its own static files (whitenoise); the demo and tests find them in place,
# production serves what collectstatic gathered.
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are written whole or not at all (club.storage).
STORAGES = {
    "default": {"BACKEND": "club.storage.SafeFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="csc <noreply@localhost>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Never put personal data in logs: only levels and codes are logged by the app itself.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports each rendering step at INFO; only its warnings matter.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# csc's own
CSC_DEMO = env.bool("CSC_DEMO", default=True)
# The database role the app runs as (PostgreSQL); `migrate` runs as the owner and grants it its
# rights. Blank: one role does both (the demo, the test suite).
CSC_DB_APP_ROLE = env.str("CSC_DB_APP_ROLE", default="")
# The Ed25519 key that signs the audit chain's checkpoints (32 bytes in hex); never in the database.
# Generate one with `python manage.py checkpoint --new-key`.
# The key of the pseudonyms that stand for personal data in the chain's record digests and in
# `audit_export` (HMAC-SHA256): an auditor checks the digests without seeing, or guessing, a
# birth date. Set it once and keep it: a new key makes every recorded digest of personal data
# differ. Blank: derived from SECRET_KEY (then keep that too).
CSC_PSEUDONYM_KEY = env.str("CSC_PSEUDONYM_KEY", default="")
CSC_CHECKPOINT_KEY = env.str("CSC_CHECKPOINT_KEY", default="")
if not CSC_CHECKPOINT_KEY and CSC_DEMO:
    # The demo keeps its key in a file beside its database, never in it.
    _key_file = VAR_DIR / "checkpoint.key"
    if not _key_file.exists():
        _key_file.write_text(os.urandom(32).hex())
        _key_file.chmod(0o600)
    CSC_CHECKPOINT_KEY = _key_file.read_text().strip()
