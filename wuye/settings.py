"""Wuye settings: one module, read from environment variables (see .env.example)."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wuye.envconf import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("WUYE_VAR_DIR", str(BASE_DIR.parent / "var")))

WUYE_ENV = env_str("WUYE_ENV", "development")
if WUYE_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("WUYE_ENV must be development, production or test")
PRODUCTION = WUYE_ENV == "production"
TESTING = WUYE_ENV == "test" or "pytest" in sys.modules

if PRODUCTION:
    SECRET_KEY = env_str("WUYE_SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("WUYE_SECRET_KEY must be at least 50 varied characters")
else:
    SECRET_KEY = env_str("WUYE_SECRET_KEY", "dev-insecure-" + "x7Gk2pQ9vR4mT8wZ1bN6cY3hJ5dF0sL" * 2)

DEBUG = env_bool("WUYE_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "WUYE_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("WUYE_CSRF_TRUSTED_ORIGINS", [])

# Key that encrypts ID-card numbers at rest; falls back to SECRET_KEY in development.
FIELD_ENCRYPTION_KEY = env_str("WUYE_FIELD_ENCRYPTION_KEY", "" if PRODUCTION else SECRET_KEY)
if PRODUCTION and not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured("WUYE_FIELD_ENCRYPTION_KEY is required in production")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "wuye.core",
    "wuye.accounts",
    "wuye.places",
    "wuye.audit",
    "wuye.workcal",
    "wuye.messaging",
    "wuye.dataio",
    "wuye.console",
    "wuye.portal",
    "wuye.api",
    "wuye.demo",
    "wuye.servicedesk",
    "wuye.outreach",
    "wuye.notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wuye.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "wuye.urls"
WSGI_APPLICATION = "wuye.wsgi.application"

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
                "wuye.console.context.console",
            ],
        },
    },
]


def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("WUYE_DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme == "sqlite":
        return _sqlite(Path(unquote(parsed.path)))
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")


def _sqlite(path: Path) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # IMMEDIATE transactions + a busy timeout + WAL keep the worker and the
            # web process from failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-20000;"
            ),
        },
    }


_db_url = env_str("DATABASE_URL", "")
DATABASES = {
    "default": _database_from_url(_db_url) if _db_url else _sqlite(VAR_DIR / "wuye.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["wuye.accounts.backends.UsernameOrMobileBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploads holding personal data (Excel imports): no URL, never served; see docs/operations.md.
PRIVATE_ROOT = Path(env_str("WUYE_PRIVATE_DIR", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "wuye.dataio.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": PRIVATE_ROOT,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

TASKS = {
    "default": {
        "BACKEND": env_str("WUYE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = env_str(
    "WUYE_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("WUYE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("WUYE_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("WUYE_DEFAULT_FROM_EMAIL", "wuye@localhost")

# Channels the message outbox delivers through; "console" prints in development.
WUYE_MESSAGE_CHANNELS = env_list("WUYE_MESSAGE_CHANNELS", ["console"])
WUYE_PORT = env_int("WUYE_PORT", 8000)
# Excel imports up to this many rows run inside the upload request; larger ones in the worker.
WUYE_IMPORT_SYNC_ROWS = env_int("WUYE_IMPORT_SYNC_ROWS", 2000)
WUYE_DEMO_PASSWORD = env_str("WUYE_DEMO_PASSWORD", "wuye-demo-2026")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("WUYE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("WUYE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("WUYE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

VAR_DIR.mkdir(parents=True, exist_ok=True)
# whitenoise warns on every request when STATIC_ROOT does not exist yet (before collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
