"""``{% load notifications_tags %}{% unread_count as n %}``: the signed-in user's unread notifications."""
from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from rectify.core.types import AnyUser, signed_in

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: dict[str, Any]) -> int:
    request = context.get("request")
    return unread_of(request, context.get("user") or getattr(request, "user", None))


def unread_of(request: HttpRequest | None, user: AnyUser | None) -> int:
    """Counted once per request, however many times the page asks (also Jinja2's ``unread_count``: the chrome)."""
    from rectify.notifications.services import unread_count as count

    if not signed_in(user):
        return 0
    if request is not None:
        cached = getattr(request, "_rectify_unread_count", None)
        if cached is None:
            cached = count(user)
            request._rectify_unread_count = cached  # type: ignore[attr-defined]
        return int(cached)
    return count(user)
