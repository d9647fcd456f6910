"""Settings of the stock DRF baseline: Django's startproject defaults plus DRF, on the
service's PostgreSQL (DATABASE_URL). No auth, no throttling, default page-number paging.

The project's apps are installed only for their models (customers.Customer and what its
admin imports); none of their middleware, URLs or DRF settings are used here.
"""

import os

import dj_database_url

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-baseline-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "core",
    "tenants",
    "plans",
    "apikeys",
    "events",  # customers' services record their changes there
    "customers",
]

# Exactly what `django-admin startproject` writes.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.baseline.urls"
WSGI_APPLICATION = "bench.baseline.wsgi.application"

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
            ],
        },
    },
]

# The same database as the service, and the same connection handling: Django's own psycopg
# pool (OPTIONS["pool"], stock Django 5.1+), as many connections per process as the service's
# DB_POOL_SIZE, no health check (dj-database-url's defaults otherwise). With a connection per
# thread instead, two workers of 64 threads each outgrew PostgreSQL's max_connections (100)
# within a few rounds and the baseline answered 500s (bench/RESULTS.md, 2026-12-01).
# DB_POOL_SIZE=0: persistent connections per thread (DB_CONN_MAX_AGE), as before.
_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "16"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"],
        conn_max_age=0 if _POOL_SIZE else int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if _POOL_SIZE:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": _POOL_SIZE,
        "timeout": 3.0,
        "max_idle": 60,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
