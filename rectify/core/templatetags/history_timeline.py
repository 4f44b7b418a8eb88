"""``{% load history_timeline %}{% history_timeline history "update transition" %}``: the items of a page's
change history, rendered by Jinja2 (``core/jinja2/history/_timeline.html``), for the Django pages (an
inspection's; the task's page, a Jinja2 page, includes the template itself).

A task's detail page lists up to 100 changes, each with its changed fields; in Django's template
language (a loop with an include per change) that was about two thirds of the page's CPU time.
The second argument names the actions whose changed fields are listed.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def history_timeline(history: Iterable[Any], diff_actions: str) -> SafeString:
    items = engines["jinja2"].get_template("history/_timeline.html")
    return mark_safe(items.render({"history": history, "diff_actions": diff_actions.split()}))  # noqa: S308  (Jinja2 escaped every value)
