"""``{% can "action" obj as name %}``: the permission table's question in templates, for the signed-in user.

The same ``rectify.accounts.permissions.can`` the views, services and API ask, so a button is shown
exactly when its POST would be allowed by role and scope (the state of the record is the view's part).
"""
from __future__ import annotations

from typing import Any

from django import template

from rectify.accounts.permissions import can as _can

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: Any, action: str, obj: Any = None) -> bool:
    return _can(context.get("user"), action, obj)
