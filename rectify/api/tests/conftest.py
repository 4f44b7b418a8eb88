"""API test helpers: JSON calls through django.test.Client, logged in or with a bearer token."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD


class ApiClient:
    """A thin JSON wrapper over django.test.Client."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, data: Any = None) -> Any:
        return self.client.get(path, data or {}, **self.headers)

    def _send(self, method: str, path: str, body: Any) -> Any:
        return getattr(self.client, method)(path, data=json.dumps(body), content_type="application/json", **self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self._send("post", path, body or {})

    def patch(self, path: str, body: Any) -> Any:
        return self._send("patch", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("put", path, body)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    """PBKDF2 at full strength makes every fixture user cost about a second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_as(world: Any) -> Callable[[Any], ApiClient]:
    def make(user: Any) -> ApiClient:
        if user is None:
            return ApiClient(Client())
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return ApiClient(client)

    return make


@pytest.fixture
def token_for(world: Any) -> Callable[..., tuple[Any, str]]:
    from rectify.api.models import ApiToken

    def make(user: Any, *, read_only: bool = False, days: int = 90) -> tuple[Any, str]:
        return ApiToken.issue(user, "测试令牌", days=days, read_only=read_only)

    return make


@pytest.fixture
def api_token(token_for: Any) -> Callable[..., ApiClient]:
    def make(user: Any, **kw: Any) -> ApiClient:
        _, key = token_for(user, **kw)
        return ApiClient(Client(), token=key)

    return make
