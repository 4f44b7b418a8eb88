"""The login backend: Django's, loading the signed-in user's unit with the user (every page's header
shows it), so a page does not spend a query on it."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from rectify.core.types import AuthedUser


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> AuthedUser | None:
        from .models import User

        try:
            user = User._default_manager.select_related("unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
