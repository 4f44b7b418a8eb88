"""``{% load notifications_tags %}{% unread_count as n %}``: the signed-in user's unread notifications."""
from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from rectify.core.types import AnyUser, AuthedUser, signed_in

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: dict[str, Any]) -> int:
    """Counted once per request, however many times the page asks."""
    from rectify.notifications.services import unread_count as count

    request = context.get("request")
    user: AnyUser | None = context.get("user") or getattr(request, "user", None)
    if not signed_in(user):
        return 0
    if request is not None and context.get("todo_panel"):
        _panel_and_unread(request, user)
    if request is not None:
        cached = getattr(request, "_rectify_unread_count", None)
        if cached is None:
            cached = count(user)
            request._rectify_unread_count = cached
        return int(cached)
    return count(user)


@register.inclusion_tag("notifications/_todo_panel.html", takes_context=True)
def todo_panel(context: dict[str, Any]) -> dict[str, Any]:
    """``{% todo_panel %}``: the signed-in user's 待我处理 lists (counts and the first few, each linked)."""
    from rectify.notifications.todo import PANEL_LIMIT, todo_for

    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    lists = getattr(request, "_rectify_todo_lists", None) if request is not None else None
    if lists is None:
        lists = todo_for(user, PANEL_LIMIT)
    return {"lists": lists, "full": False, "request": request}


def _panel_and_unread(request: HttpRequest, user: AuthedUser) -> None:
    """On a page that shows the to-do panel (its view puts ``todo_panel`` in the context), the header's
    unread count is asked in the same query as the panel's counts; both are kept on the request."""
    from rectify.notifications.services import unread
    from rectify.notifications.todo import PANEL_LIMIT, todo_and_counts

    if getattr(request, "_rectify_todo_lists", None) is None:
        lists, (count,) = todo_and_counts(user, PANEL_LIMIT, [unread(user)])
        request._rectify_todo_lists = lists  # type: ignore[attr-defined]  # kept on the request for this page
        request._rectify_unread_count = count  # type: ignore[attr-defined]
