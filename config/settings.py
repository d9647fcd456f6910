"""The one settings module: every knob comes from an environment variable (see .env.example)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.cache_errors import breaker_connection_class
from core.logging import FORMATS as logging_formats
from core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be positive, got {raw!r}")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    # `make run` writes a random key here, so manage.py commands work beside it unchanged.
    _key_file = Path(env_str("SECRET_KEY_FILE", str(BASE_DIR / ".secret_key")))
    if _key_file.is_file():
        SECRET_KEY = _key_file.read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it, or SECRET_KEY_FILE (make run writes .secret_key), "
            "or set DJANGO_DEBUG=true for a throwaway development key."
        )
    SECRET_KEY = "insecure-development-only-key"

# A request for any other host is a 400 problem, so a forged Host never reaches a URL we build.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# Absolute URLs (Location, Link) start with this when set, e.g. https://api.example.com;
# unset, they use the request's (allowed) host.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL").rstrip("/")
if PUBLIC_BASE_URL and (
    not PUBLIC_BASE_URL.startswith(("http://", "https://"))
    or any(c in PUBLIC_BASE_URL for c in "?#")
    or not PUBLIC_BASE_URL.split("://", 1)[1]
):
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL must be an http(s):// URL without query or fragment, "
        f"got {PUBLIC_BASE_URL!r}"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "tenants",
    "plans",
    "apikeys",
    "events",
    "usage",
    "customers",
    "onboarding",
    "portal",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.observability.ObservabilityMiddleware",
    "core.middleware.ProblemFallbackMiddleware",
    "core.middleware.GatewaySecretMiddleware",
    "plans.middleware.RateLimitHeadersMiddleware",
    "usage.middleware.UsageFlushMiddleware",
    "core.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sessions, staff login and messages: skipped on API paths (API_PATH_PATTERN).
    "core.middleware.BrowserSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.middleware.BrowserAuthenticationMiddleware",
    "core.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The key-authenticated JSON APIs (/v1, Churnkey, the Smart Customer company routes): no
# session, staff login or flash messages there (core.middleware.is_api_path); nor on probes.
API_PATH_PATTERN = r"/(v1|churnkey)(/|$)|/api/[^/]+/[^/]+/company/|/(healthz|readyz|metrics)$"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite file by default, PostgreSQL when DATABASE_URL is set ---------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres:// URL (SQLite is the default)."
        )
    # Django's PostgreSQL backend, with the health check only after the connection idled.
    _db["ENGINE"] = "core.db.postgresql"
    # An unreachable PostgreSQL costs a request this many seconds at most, then a 503 problem
    # with Retry-After (core.problems); the health check (core.db.postgresql) replaces a dead
    # persistent connection, so the first request after PostgreSQL returns succeeds.
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 3))
    # The hot single-row reads (core.db.rows) are prepared on first use on each connection;
    # false for a pooler that cannot keep prepared statements (PgBouncer < 1.21 in
    # transaction mode). Django's other queries bind on the client and are never prepared.
    _db["OPTIONS"].setdefault(
        "prepare_threshold", 0 if env_bool("DB_PREPARED_STATEMENTS", True) else None
    )
    # A pool of at most DB_POOL_SIZE connections per process (psycopg_pool, Django's
    # OPTIONS["pool"]), shared by the server's threads: a connection per thread would let
    # workers x SERVER_THREADS (3 x 64) outgrow PostgreSQL's max_connections (100 by default)
    # under load. A request holds its connection from its first query to its end, waiting up
    # to DB_POOL_TIMEOUT seconds for one (then the same 503 problem as an unreachable
    # database). DB_POOL_SIZE=0: one persistent connection per thread instead.
    DB_POOL_SIZE = env_int("DB_POOL_SIZE", 16)
    if DB_POOL_SIZE > 0:
        _db["CONN_MAX_AGE"] = 0  # pooled connections go back to the pool as a request ends
        _db["CONN_HEALTH_CHECKS"] = False  # core.db.postgresql checks one that idled instead
        _db["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL_SIZE,
            "timeout": env_float("DB_POOL_TIMEOUT", 3.0),
            "max_idle": 60,  # connections beyond min_size close after a minute unused
        }
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        # IMMEDIATE makes writers queue for the lock up front instead of failing mid-transaction.
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: in-process by default, Redis when REDIS_URL is set ---------------------------
REDIS_URL = env_str("REDIS_URL")
REDIS_TIMEOUT_SECONDS = env_float("REDIS_TIMEOUT_SECONDS", 0.1)
REDIS_BREAKER_SECONDS = env_float("REDIS_BREAKER_SECONDS", 5.0)
# Limits when Redis is unreachable: served uncounted (default), or refused with a 503.
RATELIMIT_FAIL_CLOSED = env_bool("RATELIMIT_FAIL_CLOSED", False)
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must be a redis://, rediss:// or unix:// URL.")
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "cm"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A hung Redis costs one timeout, then the breaker skips it (core.cache_errors).
                "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_SECONDS,
                "SOCKET_TIMEOUT": REDIS_TIMEOUT_SECONDS,
                "CONNECTION_POOL_KWARGS": {
                    "connection_class": breaker_connection_class(REDIS_URL),
                    "retry": Retry(NoBackoff(), 0),
                },
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves admin and Swagger UI/ReDoc assets from the app itself: no CDN, no nginx.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # works before (or without) collectstatic

# Requests larger than this get a 413 problem before any view runs.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apikeys.authentication.ApiKeyAuthentication"],
    # HasTenantAccess stays first: plan gating needs an authenticated, tenant-checked caller.
    "DEFAULT_PERMISSION_CLASSES": [
        "apikeys.permissions.HasTenantAccess",
        "plans.permissions.PlanAllowsMethod",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["plans.throttling.PlanRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.StrictJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.StrictContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "core.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Customer Management API",
    "DESCRIPTION": (
        "Multi-tenant customer store with built-in API management. Every call sends "
        "`Authorization: Bearer <key>`; `/v1` calls also send `x-business-tenant-id: <tenant "
        "id>`, which is optional on the Smart Customer API (`/api/{product}/v1/company/...`) "
        "and Churnkey (`/churnkey/customers`) routes but must match the key when sent. "
        "Errors are RFC 9457 problem details (`application/problem+json`)."
    ),
    "VERSION": "1.0.0",
    # Swagger UI and ReDoc show tag groups in this order: the /v1 customer API first.
    "TAGS": [
        {"name": "Customers (v1)", "description": "Create, read, update, delete and restore."},
        {"name": "API keys (v1)", "description": "The calling application's own keys."},
        {"name": "API management", "description": "Usage and limits of the calling application."},
        {"name": "Signup (provider)", "description": "Needs a provider key, not a tenant key."},
        {
            "name": "Smart Customer API (company)",
            "description": "Shaped as the Smart Customer API document says (docs/company-api.md).",
        },
        {"name": "Churnkey customers", "description": "Shaped as Churnkey's customer API."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayRequestDuration": True},
    "PREPROCESSING_HOOKS": ["core.openapi.drop_trailing_slash_aliases"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.order_security_schemes",
        "core.openapi.document_idempotency_key",
        "config.openapi_hooks.add_links",  # create -> read/update/delete chains
    ],
}

# Behind 3scale/APIcast: requests must carry this secret in X-3scale-Proxy-Secret-Token.
GATEWAY_SECRET_TOKEN = env_str("GATEWAY_SECRET_TOKEN")

# Usage counted in Redis reaches the database at least this often (while there is traffic,
# or from `manage.py flush_usage`); keep it under 60 so usage lags Redis by under a minute.
USAGE_FLUSH_INTERVAL_SECONDS = env_int("USAGE_FLUSH_INTERVAL_SECONDS", 30)
# Flush in each process's background thread (usage.flusher), never in a request.
USAGE_FLUSH_BACKGROUND = env_bool("USAGE_FLUSH_BACKGROUND", True)
if not 1 <= USAGE_FLUSH_INTERVAL_SECONDS <= 60:
    raise ImproperlyConfigured("USAGE_FLUSH_INTERVAL_SECONDS must be between 1 and 60.")

# --- Observability (core.logging, core.metrics; README "Logs and metrics") --------------
# LOG_FORMAT=json (default): one JSON object a line; text for humans.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in logging_formats:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of {logging_formats}.")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is a 404.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Several worker processes: an empty directory made before the server starts (make run).
_multiproc_dir = env_str("PROMETHEUS_MULTIPROC_DIR")
if _multiproc_dir and not Path(_multiproc_dir).is_dir():
    raise ImproperlyConfigured("PROMETHEUS_MULTIPROC_DIR must be an existing directory.")

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Developer portal (/portal/; see the README's "Developer portal and SSO") -------------
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:overview"
LOGOUT_REDIRECT_URL = "portal:login"
# Password-reset mail: the console backend prints it; for real mail set EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST... variables.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
# Sign-in (and password-reset) attempts per email and per client address in a window.
PORTAL_LOGIN_ATTEMPTS_PER_USER = env_int("PORTAL_LOGIN_ATTEMPTS_PER_USER", 10)
PORTAL_LOGIN_ATTEMPTS_PER_IP = env_int("PORTAL_LOGIN_ATTEMPTS_PER_IP", 50)
PORTAL_LOGIN_WINDOW_SECONDS = env_int("PORTAL_LOGIN_WINDOW_SECONDS", 900)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# --- HTTPS behind a proxy (docs/deploy.md) -----------------------------------------------
# Only when the TLS-terminating proxy or load balancer sets X-Forwarded-Proto and overwrites any
# copy a client sent: Django then knows a request came over HTTPS (https:// Location headers).
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Load balancers probe these over plain HTTP inside the network; a redirect would fail them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# --- History, events and webhooks (events app) --------------------------------------------
# Webhook URLs resolving to private/loopback/link-local addresses are refused unless this is
# on (local development and tests only).
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", False)
# How long a worker holds a claimed delivery; a killed worker's rows are due again after it.
# Must exceed the 10 s delivery timeout.
WEBHOOKS_LEASE_SECONDS = env_int("WEBHOOKS_LEASE_SECONDS", 60)
if WEBHOOKS_LEASE_SECONDS < 11:
    raise ImproperlyConfigured("WEBHOOKS_LEASE_SECONDS must be at least 11 (the timeout is 10 s).")
