"""Password rules a government security review expects, with Chinese messages."""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from rectify.core.types import AuthedUser

SYMBOL = re.compile(r"[^A-Za-z0-9]")


class ComplexityValidator:
    """At least ``min_length`` characters with an upper-case letter, a lower-case letter, a digit and a symbol."""

    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: AuthedUser | None = None) -> None:
        problems: list[str] = []
        if len(password) < self.min_length:
            problems.append(f"密码长度不能少于 {self.min_length} 位")
        if not re.search(r"[A-Z]", password):
            problems.append("密码须包含大写字母")
        if not re.search(r"[a-z]", password):
            problems.append("密码须包含小写字母")
        if not re.search(r"[0-9]", password):
            problems.append("密码须包含数字")
        if not SYMBOL.search(password):
            problems.append("密码须包含特殊符号（如 !@#-_）")
        if problems:
            raise ValidationError([ValidationError(p, code="password_complexity") for p in problems])

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 位，须同时包含大写字母、小写字母、数字和特殊符号。"


class NotUsernameValidator:
    """The password must not contain the username."""

    def validate(self, password: str, user: AuthedUser | None = None) -> None:
        username = getattr(user, "username", "") or ""
        if len(username) >= 3 and username.lower() in password.lower():
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不能包含用户名。"
