"""Sessions and the cache in Redis when RECTIFY_REDIS_URL is set (the local Redis, database 6)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

from conftest import PASSWORD
from rectify.settings import _caches

REDIS_URL = "redis://127.0.0.1:6379/6"


@pytest.fixture
def redis_sessions(settings: Any) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"本机 Redis（{REDIS_URL}）无法连接：{exc}")
    prefix = f"rectify-test-{uuid.uuid4().hex}"
    settings.CACHES = _caches({"RECTIFY_REDIS_URL": REDIS_URL, "RECTIFY_REDIS_PREFIX": prefix})
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    try:
        yield client, prefix
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_default_is_in_process() -> None:
    assert _caches({})["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert _caches({"RECTIFY_REDIS_URL": REDIS_URL})["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.django_db
def test_login_session_lives_in_redis(redis_sessions: Any, world: Any, client: Any) -> None:
    redis_client, prefix = redis_sessions
    response = client.post(reverse("accounts:login"), {"username": world.city_office.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    key = client.cookies["sessionid"].value
    assert redis_client.exists(f"{prefix}:1:django.contrib.sessions.cached_db{key}")
    assert client.get(reverse("tasks:ledger")).status_code == 200
    # The session is read from Redis: with its database row gone the user is still logged in.
    Session.objects.filter(session_key=key).delete()
    assert client.get(reverse("tasks:ledger")).status_code == 200
    cache.set("rectify-probe", "值")
    assert redis_client.get(f"{prefix}:1:rectify-probe") is not None
    # Logging out removes it from Redis.
    client.post(reverse("accounts:logout"))
    assert not redis_client.exists(f"{prefix}:1:django.contrib.sessions.cached_db{key}")
