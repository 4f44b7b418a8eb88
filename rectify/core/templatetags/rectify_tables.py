"""``{% table_row table row %}``: a list table's row rendered by its one row template (``core.tables``)."""
from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def table_row(context: Any, table: Any, row: Any) -> SafeString:
    return table.render_row(context, row.record)  # type: ignore[no-any-return]
