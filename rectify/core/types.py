"""Typing helpers shared by the apps."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from rectify.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: its user is a real ``User``."""

    user: User
