"""Questions core asks of the apps above it, without importing them.

The list view (``rectify.core.views.lists.ScopedListView``) asks the permission table whether a user may
open a page. The table belongs to ``accounts``, which sits above ``core``, so ``accounts`` registers its
``can`` here when it starts (``AccountsConfig.ready``) and the list view asks here. With nothing
registered every question is refused: a page guarded by an action fails closed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rectify.core.types import AnyUser

PermissionCheck = Callable[["AnyUser | None", str, Any], bool]

_permission_check: list[PermissionCheck] = []


def answer_permission(func: PermissionCheck) -> PermissionCheck:
    """Register ``func(user, action, obj) → whether the user may`` (the project's ``can``)."""
    _permission_check[:] = [func]
    return func


def ask(user: AnyUser | None, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may take ``action`` (on ``obj``): the registered check's answer, False when none is."""
    return bool(_permission_check[0](user, action, obj)) if _permission_check else False
