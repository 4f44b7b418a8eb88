"""``{% load ledger_rows %}{% ledger_rows tasks %}``: the ledger's table rows, rendered by Jinja2.

The ledger's hot loop (25 rows × 7 cells, links, units, lights) cost about 12 ms of Django template
rendering per page; the same fragment in Jinja2 (``tasks/jinja2/tasks/_ledger_rows.html``, escaped
as Django escapes: ``rectify.core.jinja``) costs about 1 ms and prints the same HTML.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def ledger_rows(tasks: Iterable[Any]) -> SafeString:
    rows = engines["jinja2"].get_template("tasks/_ledger_rows.html")
    return mark_safe(rows.render({"tasks": tasks}))  # noqa: S308  (Jinja2 escaped every value)
