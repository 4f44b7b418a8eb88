"""Django settings for Rectify.

SQLite in ``RECTIFY_DATA_DIR`` (default ``./data``) is the embedded default; set
``DATABASE_URL`` (e.g. ``postgres://user@127.0.0.1:5432/rectify``) for PostgreSQL.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("RECTIFY_DATA_DIR", PROJECT_DIR / "data")).resolve()

DEBUG = os.environ.get("RECTIFY_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("RECTIFY_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = os.environ.get("RECTIFY_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    # The second factor: TOTP devices and the single-use recovery codes (rectify/accounts/security.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",

    "django_tables2",
    "rectify.core",
    "rectify.regions",
    "rectify.accounts",
    "rectify.inspections",
    "rectify.tasks",
    "rectify.imports",
    "rectify.acceptance",
    "rectify.dispatch",
    "rectify.supervision",
    "rectify.jobs",
    "rectify.notifications",
    "rectify.api",
    "rectify.demo",
]

# List pages (rectify.core.views.lists.ScopedListView): django-tables2 renders through the project's table template.
DJANGO_TABLES2_TEMPLATE = "includes/table.html"

MIDDLEWARE = [
    # Reads of GET/HEAD requests on the replica when one is configured (rectify/core/db_router.py).
    "rectify.core.db_router.ReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "rectify.accounts.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rectify.core.slow_queries.SlowQueryMiddleware",
    "rectify.core.middleware.RejectNullCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rectify.accounts.middleware.SessionSecurityMiddleware",
    "rectify.core.middleware.RequestContextMiddleware",
    "rectify.core.middleware.FormNewlineMiddleware",
]

ROOT_URLCONF = "rectify.urls"

# What every page's chrome shows (the user, their roles, the messages): given to pages of both engines.
_CONTEXT_PROCESSORS = [
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "rectify.core.context_processors.navigation",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": ["django.template.context_processors.request", *_CONTEXT_PROCESSORS],
        },
    },
    {
        # Jinja2 (rectify/core/jinja.py), where Django's template language cost the most CPU: the hot fragments
        # (the ledger's rows, a history timeline, a task's light), the ledger page, its counts and a task's page
        # (render(..., using="jinja2"): several ms of a ledger page's ~25 were Django template rendering), and the
        # chrome every page shares (core/jinja2/chrome/: top bar, messages, footer; Django's base.html draws it with
        # {% chrome %}) and the paginator (core/jinja2/includes/), so that each exists once. The other pages are
        # Django templates.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        # Its pages' CSRF field is masked once per page (core.context_processors.csrf_input_once).
        "OPTIONS": {"environment": "rectify.core.jinja.environment",
                    "context_processors": [*_CONTEXT_PROCESSORS, "rectify.core.context_processors.csrf_input_once"]},
    },
]

WSGI_APPLICATION = "rectify.wsgi.application"

# Ours first (it loads the user's unit with the user); Django's stays listed so that sessions
# opened before it was added remain valid.
AUTHENTICATION_BACKENDS = ["rectify.accounts.backends.UserBackend", "django.contrib.auth.backends.ModelBackend"]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "rectify.sqlite3",
        "OPTIONS": {
            # WAL lets readers work while the worker writes; foreign keys are on by default.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        },
    }


def _replica(env: Mapping[str, str]) -> dict[str, Any] | None:
    """A read replica (streaming replication) for the reads of read-only pages, from
    RECTIFY_REPLICA_DATABASE_URL; ``rectify.core.db_router.ReplicaRouter`` decides which query goes there."""
    url = env.get("RECTIFY_REPLICA_DATABASE_URL")
    if not url:
        return None
    replica = dict(dj_database_url.parse(url, conn_max_age=60))
    # Tests run against the primary's test database: the replica mirrors it there.
    replica["TEST"] = {"MIRROR": "default"}
    return replica


def _pooled(database: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Behind PgBouncer in transaction pooling (RECTIFY_PGBOUNCER=1) a server connection changes between
    transactions: no server-side cursors (they outlive the transaction), no persistent Django connections.

    PostgreSQL's parallel workers per statement (``max_parallel_workers_per_gather``): RECTIFY_PG_PARALLEL_WORKERS,
    0 unless set (empty: the server's own setting). A page's statement reads a few thousand rows at most; on the
    2-core machine starting a worker cost more than it saved (a province's search page: 25 ms with one, 7 without,
    at 300,000 tasks), and under load each request's workers take the cores of the others. Set on each connection
    (libpq's ``options``); PgBouncer does not pass them on: there, set it on the database role
    (``ALTER ROLE … SET max_parallel_workers_per_gather = 0``, docs/operations.md)."""
    if "postgresql" not in database["ENGINE"]:
        return database
    if env.get("RECTIFY_PGBOUNCER") == "1":
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        database["CONN_MAX_AGE"] = 0
        return database
    workers = env.get("RECTIFY_PG_PARALLEL_WORKERS", "0").strip()
    if workers:
        database.setdefault("OPTIONS", {})["options"] = f"-c max_parallel_workers_per_gather={int(workers)}"
    return database


DATABASES = {"default": _pooled(_database(), os.environ)}
if (_replica_db := _replica(os.environ)) is not None:
    DATABASES["replica"] = _pooled(_replica_db, os.environ)
DATABASE_ROUTERS = ["rectify.core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "rectify.accounts.validators.ComplexityValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "rectify.accounts.validators.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login security (rectify/accounts/security.py): lockout, password age, idle sessions.
RECTIFY_LOGIN_MAX_FAILURES = int(os.environ.get("RECTIFY_LOGIN_MAX_FAILURES", "5"))
RECTIFY_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("RECTIFY_LOGIN_LOCKOUT_MINUTES", "15"))
# django-otp: the issuer the authenticator app shows; after n wrong codes a device refuses every code
# for 2^(n-1) seconds (django-otp's throttling, on top of the account lockout above).
OTP_TOTP_ISSUER = "督察整改闭环管理系统"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
RECTIFY_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("RECTIFY_PASSWORD_MAX_AGE_DAYS", "90"))
RECTIFY_SESSION_IDLE_MINUTES = int(os.environ.get("RECTIFY_SESSION_IDLE_MINUTES", "30"))
RECTIFY_CLIENT_IP_HEADER = os.environ.get("RECTIFY_CLIENT_IP_HEADER", "")
# Log SQL statements slower than this many milliseconds on rectify.slow_query (0: off).
RECTIFY_SLOW_QUERY_MS = float(os.environ.get("RECTIFY_SLOW_QUERY_MS", "200"))
# Answers kept per process that are compiled statements (``notifications.todo.prepared``) are built again on each
# use and compared when set: the test suite sets it, so that a kept answer depending on more than its key fails there.
RECTIFY_VERIFY_KEPT = os.environ.get("RECTIFY_VERIFY_KEPT") == "1"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# ISO first among the input formats, so every date widget renders what <input type="date"> shows.
FORMAT_MODULE_PATH = ["rectify.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "files"


def _storages(env: Mapping[str, str]) -> dict[str, Any]:
    """Uploaded files (evidence, signatures) on the local file system under MEDIA_ROOT, or in an
    S3-compatible object store (django-storages) when RECTIFY_S3_BUCKET is set — what several app
    servers need to share them. Keys from RECTIFY_S3_ACCESS_KEY / RECTIFY_S3_SECRET_KEY, else boto3's
    own chain (environment, instance role)."""
    storages: dict[str, Any] = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    bucket = env.get("RECTIFY_S3_BUCKET", "")
    if bucket:
        storages["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.get("RECTIFY_S3_ENDPOINT_URL") or None,
            "region_name": env.get("RECTIFY_S3_REGION") or None,
            "access_key": env.get("RECTIFY_S3_ACCESS_KEY") or None,
            "secret_key": env.get("RECTIFY_S3_SECRET_KEY") or None,
            "location": env.get("RECTIFY_S3_PREFIX", ""),
            # Evidence is private: no public ACL, never overwritten, served only through the access-checked views.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        }}
    return storages


STORAGES = _storages(os.environ)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tasks:ledger"
LOGOUT_REDIRECT_URL = "accounts:login"



def _caches(env: Mapping[str, str]) -> dict[str, Any]:
    """The cache in Redis when RECTIFY_REDIS_URL is set (shared by every app server), else in the process."""
    url = env.get("RECTIFY_REDIS_URL", "")
    if url:
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                            "KEY_PREFIX": env.get("RECTIFY_REDIS_PREFIX", "rectify")}}
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


CACHES = _caches(os.environ)
# With Redis, sessions are read from the cache and written to both (cached_db): any app server finds
# them, and a Redis restart logs nobody out. Without it, the database alone, as before.
SESSION_ENGINE = ("django.contrib.sessions.backends.cached_db" if os.environ.get("RECTIFY_REDIS_URL")
                  else "django.contrib.sessions.backends.db")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Enforcing, in development too: every script, style and font is served by the system itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LEDGER_PAGE_SIZE = 25
# Up to this many tasks in a ledger's filter, its page is found by sorting them (cost follows the
# tasks in scope); above it, by walking the plan-order index (cost follows the page). See
# rectify.tasks.paging.order_for_page and docs/operations.md.
LEDGER_SORT_IN_SCOPE_ROWS = 50_000
# A search over the whole ledger walks the plan order when the rows walked to the page's end (about
# its last row × tasks / matches) stay under this many (rectify.tasks.paging.walk_window), and under twice
# the matches. The walk stops at the page's last match (~2 µs a row walked, against ~5–20 µs a match
# sorted): at 5,000, page 40 of 污水 sorted its 37,000 matches (176 ms against 35 walked), page 400 of 整改
# its 145,000 (2.9 s against 74 ms).
LEDGER_WALK_SEARCH_ROWS = 100_000
# A filtered ledger page over a scope of more tasks than this shows its rows first and loads its counts
# after itself (rectify.tasks.views.counts_later): counting a common word's matches reads every one. A
# province's ledger (about 10,000 tasks) is over it: its search counted in the page for 16 ms of 60 at
# 300,000 tasks; a city's or county's whole ledger is under it and counts in the page.
LEDGER_COUNT_LATER_ROWS = 5_000
# A search in a scope of up to this many tasks checks each task's text (about 5 µs a task) rather than reading the
# character-pair index's lists, which hold the whole country's tasks (rectify.tasks.search_plans.search_words).
LEDGER_SEARCH_SCAN_ROWS = 2_000
# Over such a scope, a search's counts read at most this many matches (and one more): exact when there are no
# more, else shown as "this many or more" (rectify.tasks.views.limited_search_counts): counting every match of a
# common word read each one (整改, in 145,012 of 300,000 tasks: 370 ms).
LEDGER_SEARCH_COUNT_LIMIT = 1_000
# The keyword indexes' statistics, from which a search's matches are estimated (rectify.tasks.search_plans.word_share),
# are read again after this many seconds in each process (they change when the table is analysed).
RECTIFY_SEARCH_STATISTICS_SECONDS = float(os.environ.get("RECTIFY_SEARCH_STATISTICS_SECONDS", "300"))
# Exports of more rows than this are built by a background job (progress page, then a download link).
RECTIFY_EXPORT_BACKGROUND_ROWS = int(os.environ.get("RECTIFY_EXPORT_BACKGROUND_ROWS", "2000"))
# A background export's file is kept this long for the person who asked, then removed.
RECTIFY_EXPORT_KEEP_HOURS = int(os.environ.get("RECTIFY_EXPORT_KEEP_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request is one line (user, path, reason), not a traceback (rectify/core/logging.py).
    "filters": {"forbidden_one_line": {"()": "rectify.core.logging.ForbiddenOneLine"}},
    # One line per event: when, how serious, which part, what (the message says who and where).
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    # Django's default config gives "django" its own console handler (when DEBUG): it would print every
    # record a second time through the root's. The project's handlers are the root's alone.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True},
                "django.request": {"filters": ["forbidden_one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("RECTIFY_LOG_LEVEL", "WARNING")},
}

# Mail: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("RECTIFY_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("RECTIFY_SMTP_HOST") else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("RECTIFY_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("RECTIFY_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("RECTIFY_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RECTIFY_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("RECTIFY_SMTP_TLS", "0") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("RECTIFY_MAIL_FROM", "督察整改闭环管理系统 <rectify@localhost>")
# The address people open the system at: e-mails link to RECTIFY_SITE_URL + the page's path.
RECTIFY_SITE_URL = os.environ.get("RECTIFY_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
