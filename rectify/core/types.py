"""Typing helpers shared by the apps.

``AuthedUser`` is a signed-in person (``accounts.User``); ``AnyUser`` also admits the anonymous user
of a public page or a scope check before login. Both are names for annotations: any app may import
them from ``core`` without importing ``accounts``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.http import HttpRequest
from typing_extensions import TypeIs

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from rectify.accounts.models import User

AuthedUser: TypeAlias = "User"
AnyUser: TypeAlias = "User | AnonymousUser"


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: its user is a real ``User``."""

    user: User


def signed_in(user: AnyUser | None) -> TypeIs[AuthedUser]:
    """Whether ``user`` is a signed-in person (the type checker then knows it is a ``User``)."""
    return user is not None and user.is_authenticated
