"""The filters a list table's cells use instead of Django's (``core.templatetags.rectify_tables``) write
the same text: ``|clock`` as ``|date``, ``|link`` as ``{% url %}``, under another URL prefix too."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, get_script_prefix, set_script_prefix

from rectify.core.tables import DATE, MINUTE, SECOND

UTC = datetime.UTC


def render(code: str, value: Any) -> str:
    return Template("{% load rectify_tables %}" + code).render(Context({"value": value}))


@pytest.mark.parametrize("value", [
    datetime.date(2026, 1, 5), datetime.date(987, 12, 31),
    datetime.datetime(2026, 12, 31, 20, 5, 9, tzinfo=UTC),  # 2027-01-01 04:05:09 in Beijing
    datetime.datetime(2026, 3, 1, 0, 0, 0, 999, tzinfo=UTC), datetime.datetime(2026, 3, 1, 7, 8, 9),
    None, "",
])
@pytest.mark.parametrize("format", [DATE, MINUTE, SECOND])
def test_clock_writes_what_date_writes(value: Any, format: str) -> None:
    if type(value) is datetime.date and format != DATE:
        return  # |date refuses a time of a date; |clock leaves that to |date
    assert render(f'{{{{ value|clock:"{format}" }}}}', value) == render(f'{{{{ value|date:"{format}" }}}}', value)


def test_clock_of_another_format_is_dates() -> None:
    day = datetime.date(2026, 1, 5)
    assert render('{{ value|clock:"Y年n月j日" }}', day) == render('{{ value|date:"Y年n月j日" }}', day) == "2026年1月5日"


@pytest.mark.parametrize("route", ["supervision:detail", "tasks:detail", "acceptance:look_back"])
def test_link_writes_what_url_writes(route: str) -> None:
    prefix = get_script_prefix()
    try:
        for script_prefix in ("/", "/rectify/", "/"):
            set_script_prefix(script_prefix)
            for value in (uuid.uuid4(), uuid.uuid4()):
                url = render(f"{{% url '{route}' value %}}", value)
                assert render(f"{{{{ value|link:'{route}' }}}}", value) == url
                assert url.startswith(script_prefix) and str(value) in url
    finally:
        set_script_prefix(prefix)


def test_link_of_anything_else_is_reversed() -> None:
    value = uuid.uuid4()
    assert render("{{ value|link:'tasks:detail' }}", str(value)) == render("{% url 'tasks:detail' value %}", value)
    with pytest.raises(NoReverseMatch):
        render("{{ value|link:'tasks:detail' }}", "not-a-uuid")
