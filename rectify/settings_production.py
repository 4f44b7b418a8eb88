"""Production settings: ``DJANGO_SETTINGS_MODULE=rectify.settings_production``.

Required: ``RECTIFY_SECRET_KEY`` (50+ random characters) and ``RECTIFY_ALLOWED_HOSTS``
(comma-separated; defaults to localhost only). Behind a TLS-terminating proxy on an intranet, set
``RECTIFY_BEHIND_TLS_PROXY=1`` (trusts ``X-Forwarded-Proto: https`` from the proxy) and, if the
proxy already redirects http to https, ``RECTIFY_SSL_REDIRECT=0``. ``RECTIFY_HSTS_SECONDS``
(default one year; 0 turns HSTS off, e.g. while trying TLS out) and
``RECTIFY_HSTS_INCLUDE_SUBDOMAINS`` / ``RECTIFY_HSTS_PRELOAD`` tune HSTS.
``RECTIFY_SECURE_COOKIES=0`` only for a plain-http test installation.
"""
from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from rectify.settings import *  # noqa: F403
from rectify.settings import DATA_DIR, STORAGES


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = False

SECRET_KEY = os.environ.get("RECTIFY_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured(
        "生产环境必须通过环境变量 RECTIFY_SECRET_KEY 提供至少 50 个字符的随机密钥，例如："
        "python -c \"import secrets; print(secrets.token_urlsafe(64))\""
    )

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("RECTIFY_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("RECTIFY_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

if _flag("RECTIFY_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _flag("RECTIFY_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("RECTIFY_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("RECTIFY_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _flag("RECTIFY_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = _flag("RECTIFY_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "__Secure-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Secure-csrftoken" if SESSION_COOKIE_SECURE else "csrftoken"

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STATIC_ROOT = DATA_DIR / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_one_line": {"()": "rectify.core.logging.ForbiddenOneLine"}},
    # One line per event: when, how serious, which part, what (the message says who and where).
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RECTIFY_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},  # the root's handler only (see settings.py)
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.request": {"filters": ["forbidden_one_line"]},
    },
}
