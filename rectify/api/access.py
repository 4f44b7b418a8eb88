"""The API caller: who they are, on whose behalf changes are recorded, and the 404 of a record outside
their scope (every app's API reads through its models' ``visible_to``)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja.errors import HttpError

from rectify.accounts.permissions import can
from rectify.core.context import acting_as
from rectify.core.types import AuthedUser

_M = TypeVar("_M", bound=models.Model)


def user_of(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@contextmanager
def acting(request: HttpRequest) -> Iterator[None]:
    """Record changes on behalf of the API caller (a token's user has no session)."""
    with acting_as(user_of(request), getattr(request, "request_id", None)):
        yield


def require_editor(user: AuthedUser, what: str = "修改数据") -> None:
    if not can(user, "ledger.edit"):
        raise HttpError(403, f"只有整改办或管理员可以{what}")


def get_visible(queryset: QuerySet[_M], message: str, **lookup: Any) -> _M:
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(message)
    return obj

