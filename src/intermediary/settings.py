"""Django settings, read from the environment with safe defaults (one module, no per-env files)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent


def env_str(name: str, default: str = "") -> str:
    """Read a string, also from ``NAME_FILE`` so secrets can come from mounted files."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean; only explicit truthy words count, so a typo never enables a risk."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer, failing loudly on garbage rather than guessing."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_float(name: str, default: float, *, low: float, high: float) -> float:
    """Read a number within [low, high], failing loudly on garbage or a value out of range:
    a threshold silently read as something else changes what reviewers are shown."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from exc
    if not low <= number <= high:  # also refuses nan
        raise ImproperlyConfigured(f"{name} must lie in [{low}, {high}], got {value!r}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# "production" turns on every transport-security setting and refuses insecure defaults.
PRODUCTION = env_str("INTERMEDIARY_MODE", "development") == "production"
DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on in production mode")

VAR_DIR = Path(env_str("INTERMEDIARY_VAR_DIR", str(BASE_DIR / "var")))


def _development_secret_key() -> str:
    """Generate once and keep under var/, so demo sessions survive restarts without a config."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required in production mode")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves its Swagger UI from static files instead of a CDN
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "intermediary.core",
    "intermediary.accounts",
    "intermediary.audit",
    "intermediary.access",
    "intermediary.dossiers",
    "intermediary.registry",
    "intermediary.imports",
    "intermediary.lists",
    "intermediary.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "intermediary.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "intermediary.accounts.middleware.SessionExpiryMiddleware",
    "intermediary.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "intermediary.urls"
WSGI_APPLICATION = "intermediary.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "intermediary.access.context_processors.actor",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'intermediary.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so audit appends serialise
    # instead of failing with "database is locked" on upgrade from a read lock.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
    if DATABASES["default"]["NAME"] and DATABASES["default"]["NAME"] != ":memory:":
        Path(str(DATABASES["default"]["NAME"])).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts-login"
LOGIN_REDIRECT_URL = "dossiers-list"
LOGOUT_REDIRECT_URL = "accounts-login"

# Lockout: per (username, IP) so nobody can lock a victim out from elsewhere, with a cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Second factor (TOTP, django-otp): required unless explicitly turned off (the demo turns it
# off; users may still enrol). Only a clear yes/no word is accepted: a typo must not disable it.
_REQUIRE_2FA = os.environ.get("INTERMEDIARY_REQUIRE_2FA", "true").strip().lower()
if _REQUIRE_2FA not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
    raise ImproperlyConfigured(
        f"INTERMEDIARY_REQUIRE_2FA must be true or false, got {_REQUIRE_2FA!r}"
    )
INTERMEDIARY_REQUIRE_2FA = _REQUIRE_2FA in {"1", "true", "yes", "on"}
OTP_TOTP_ISSUER = env_str("INTERMEDIARY_OTP_ISSUER", "intermediary")
# How long an enrolment code issued by a coordinator stays valid. A whole number of hours in
# [1, 720]: anything else stops the server, so a typo cannot make codes live forever.
_ENROLMENT_CODE_HOURS = os.environ.get("INTERMEDIARY_ENROLMENT_CODE_HOURS", "72").strip()
if not (_ENROLMENT_CODE_HOURS.isascii() and _ENROLMENT_CODE_HOURS.isdigit()) or not (
    1 <= int(_ENROLMENT_CODE_HOURS) <= 720
):
    raise ImproperlyConfigured(
        "INTERMEDIARY_ENROLMENT_CODE_HOURS must be a whole number of hours from 1 to 720, "
        f"got {_ENROLMENT_CODE_HOURS!r}"
    )
INTERMEDIARY_ENROLMENT_CODE_HOURS = int(_ENROLMENT_CODE_HOURS)
# Exponential back-off after each wrong code (1, 2, 4, 8... seconds), TOTP and recovery codes.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Sessions: idle and absolute expiry are both enforced by SessionExpiryMiddleware.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية"), ("he", "עברית")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
# The package's own static files (the stylesheet) live beside the templates, not in an app.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static" if PRODUCTION else None
# Static files ship inside the package; WhiteNoise serves them straight from the finders in
# development and from the collected, hashed copies in production (`intermediary serve` collects).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Reconciliation of lists: candidate pairs below this match probability are not stored.
LISTS_MATCH_THRESHOLD = env_float("LISTS_MATCH_THRESHOLD", 0.5, low=0.0, high=1.0)

# Audit checkpoints: the Ed25519 private key (PEM path; `intermediary audit keygen --out`)
# that signs them, and the log's name inside every signed checkpoint (docs/audit.md).
AUDIT_SIGNING_KEY_FILE = os.environ.get("AUDIT_SIGNING_KEY_FILE", "")
AUDIT_LOG_ID = env_str("AUDIT_LOG_ID", "intermediary-audit")
# Merkle proofs (consistency, inclusion) one user may have computed per minute; proofs served
# from the cache do not count. Per process with the default local-memory cache (docs/audit.md).
AUDIT_PROOF_RATE_LIMIT = env_int("AUDIT_PROOF_RATE_LIMIT", 10)
if AUDIT_PROOF_RATE_LIMIT < 1:
    raise ImproperlyConfigured(
        f"AUDIT_PROOF_RATE_LIMIT must be at least 1, got {AUDIT_PROOF_RATE_LIMIT}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "intermediary.core.views.csrf_failure"
