"""Every date and date-time field of every form of the product uses the shared ISO widgets.

The forms are enumerated: every module of the project is imported and every Form, ModelForm and
FilterSet class defined in it is inspected, so a new form with a plain ``forms.DateInput`` fails.
"""
from __future__ import annotations

import datetime
import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import django_filters
import pytest
from django import forms
from django.utils import translation

import rectify
from rectify.core import forms as shared

SKIP_PACKAGES = (".tests", ".migrations", ".tests_", ".management")


def project_modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(rectify.__path__, "rectify."):
        if any(part in info.name for part in SKIP_PACKAGES) or info.name.endswith(("settings_production", "wsgi")):
            continue
        yield importlib.import_module(info.name)


def project_form_classes() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for module in project_modules():
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__ or value.__module__.startswith("rectify.core.forms"):
                continue
            if issubclass(value, forms.BaseForm | django_filters.FilterSet):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[k] for k in sorted(found)]


def date_fields(form_class: type[Any]) -> Iterator[tuple[str, forms.Field]]:
    if issubclass(form_class, django_filters.FilterSet):
        for name, filter_ in form_class.base_filters.items():
            if isinstance(filter_, django_filters.DateFilter | django_filters.DateTimeFilter):
                yield name, filter_.field
        return
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.DateField | forms.DateTimeField):
            yield name, field


def test_the_enumeration_finds_the_forms() -> None:
    names = {c.__name__ for c in project_form_classes()}
    assert {"TaskForm", "LedgerFilter", "RoundForm", "ExtensionForm", "AnnounceForm", "TaskRowForm"} <= names


@pytest.mark.parametrize("form_class", project_form_classes(), ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_date_fields_use_the_shared_iso_widgets(form_class: type[Any]) -> None:
    with translation.override("zh-hans"):
        for name, field in date_fields(form_class):
            where = f"{form_class.__qualname__}.{name}"
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(field, forms.DateTimeField):
                assert isinstance(widget, shared.DateTimeInput), f"{where}: use rectify.core.forms.DateTimeField / DateTimeInput"
                html = widget.render(name, datetime.datetime(2027, 6, 30, 9, 5, tzinfo=datetime.UTC))
                assert 'value="2027-06-30T09:05"' in html, f"{where} renders {html}"
            else:
                assert isinstance(widget, shared.DateInput), f"{where}: use rectify.core.forms.DateField / DateInput"
                html = widget.render(name, datetime.date(2027, 6, 30))
                assert 'type="date"' in html and 'value="2027-06-30"' in html, f"{where} renders {html}"
                assert field.clean("2027-06-30") == datetime.date(2027, 6, 30)


def test_any_date_widget_renders_iso_in_the_chinese_locale() -> None:
    """The safety net under the shared widgets: the zh-hans input formats start with ISO."""
    with translation.override("zh-hans"):
        assert 'value="2027-06-30"' in forms.DateInput(attrs={"type": "date"}).render("d", datetime.date(2027, 6, 30))
        assert forms.DateField().clean("2027/06/30") == datetime.date(2027, 6, 30)  # the other formats still parse
