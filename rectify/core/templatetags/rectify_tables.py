"""``{% table_row table row %}``: a list table's row rendered by its one row template (``core.tables``);
``|clock:format``: a ``TimeCell``'s date or time; ``|link:route``: a ``TitleLinkCell``'s link."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import template
from django.template.defaultfilters import date
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString

register = template.Library()

# The formats of ``core.tables`` written with str.format: what ``|date`` writes for them, without the
# DateFormat object and the format look-up it makes per value (60 dates cost 1 ms of a 20-row list).
CLOCK_FORMATS = {
    "Y-m-d": "{0.year:04d}-{0.month:02d}-{0.day:02d}",
    "Y-m-d H:i": "{0.year:04d}-{0.month:02d}-{0.day:02d} {0.hour:02d}:{0.minute:02d}",
    "Y-m-d H:i:s": "{0.year:04d}-{0.month:02d}-{0.day:02d} {0.hour:02d}:{0.minute:02d}:{0.second:02d}",
}

# A route's URL around its one UUID argument, per route, URL prefix and URL configuration: reversed once
# with a stand-in UUID (a UUID is written as it is, no converter or quoting changes it).
_LINKS: dict[tuple[str, str, Any], tuple[str, str]] = {}
_STAND_IN = uuid.UUID(int=0)


@register.simple_tag(takes_context=True)
def table_row(context: Any, table: Any, row: Any) -> SafeString:
    return table.render_row(context, row.record)  # type: ignore[no-any-return]


@register.filter(expects_localtime=True, is_safe=False)
def clock(value: Any, format: str) -> str:
    """``value|date:format`` (a datetime in the current time zone, as ``|date`` shows it), quicker for the
    formats of ``CLOCK_FORMATS``; a date with a time format and anything else go to ``|date`` itself."""
    pattern = CLOCK_FORMATS.get(format)
    if pattern is not None and (isinstance(value, datetime.datetime) or (type(value) is datetime.date and format == "Y-m-d")):
        return pattern.format(value)
    return date(value, format)


@register.filter
def link(value: Any, route: str) -> str:
    """``{% url route value %}``: for a UUID, the route's URL reversed once and the value put in the
    stand-in's place (``reverse`` per row was a quarter of a notice list's rows); anything else reversed."""
    if not isinstance(value, uuid.UUID):
        return reverse(route, args=[value])
    key = (route, get_script_prefix(), get_urlconf())
    parts = _LINKS.get(key)
    if parts is None:
        before, stand_in, after = reverse(route, args=[_STAND_IN]).partition(str(_STAND_IN))
        if not stand_in:
            return reverse(route, args=[value])
        parts = _LINKS[key] = (before, after)
    return f"{parts[0]}{value}{parts[1]}"
