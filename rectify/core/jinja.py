"""The second template engine (Jinja2) for the few hot fragments rendered many times per page.

Django's template language costs about half a millisecond per ledger row (a variable lookup walks
dicts, attributes and calls for each ``{{ }}``; each ``{% include %}`` and ``{% url %}`` is a node
rendered with its own context); Jinja2 compiles the same fragment to Python. Pages stay Django
templates; a fragment is rendered by a template tag (``rectify/tasks/templatetags/ledger_rows.py``).

The output is Django's, byte for byte: every ``{{ value }}`` goes through ``finalize``, which escapes
as Django's ``conditional_escape`` does (``html.escape``: ``&quot;``, ``&#x27;``; text already marked
safe, ``__html__``, is kept) and marks the result safe, so that Jinja2's autoescape (on) leaves it as
it is rather than escaping with markupsafe's rules (``&#34;``, ``&#39;``). The filters are Django's,
with fast paths that return what Django's return.
"""
from __future__ import annotations

import datetime
import html
import unicodedata
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.template import defaultfilters
from django.urls import reverse
from django.utils import timezone
from jinja2 import Environment, Undefined
from markupsafe import Markup


def escaped(value: Any) -> Any:
    """Django's ``conditional_escape``: safe text as it is, anything else ``html.escape(str(value))``."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))  # noqa: S704  (escaped here, by Django's rules)


def date(value: Any, fmt: str) -> str:
    """Django's ``date`` filter, on the local time as Django's templates give it to the filter (an aware
    moment in the current time zone); a plain date as ``Y-m-d`` is its ISO form (``%04d-%02d-%02d``)."""
    if fmt == "Y-m-d" and type(value) is datetime.date:
        return value.isoformat()
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):  # as the template engine gives it to the filter (template_localtime)
            value = timezone.localtime(value)
        if fmt == "Y-m-d H:i":
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"
    return str(defaultfilters.date(value, fmt))


def truncatechars(value: Any, length: int) -> str:
    """Django's ``truncatechars``; a text no longer than ``length`` is returned NFC-normalized, as Django does."""
    text = str(value)
    if 0 < length and len(text) <= length:
        return unicodedata.normalize("NFC", text)
    return str(defaultfilters.truncatechars(text, length))


_MARK = UUID(int=0)


def uuid_url(name: str) -> Callable[[Any], str]:
    """``reverse(name, args=[uuid])`` for many uuids: reversed once, the uuid put in its place (a uuid
    needs no quoting in a path)."""
    head, tail = reverse(name, args=[_MARK]).split(str(_MARK))
    return lambda uuid: f"{head}{UUID(str(uuid))}{tail}"


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)
    options["finalize"] = escaped
    options["undefined"] = Undefined  # a missing value prints nothing, as in Django (also with DEBUG)
    env = Environment(autoescape=True, **options)
    env.globals["uuid_url"] = uuid_url
    env.filters["date"] = date
    env.filters["truncatechars"] = truncatechars
    return env
