"""Shared form parts. Every date or date-time input of the product uses these widgets.

The browser's ``<input type="date">`` only understands ISO values (2027-06-30); Django's default
widget renders the locale's first input format, which for zh-hans is 2027/06/30: the browser then
shows an empty field and a resubmitted form silently loses the date. These widgets always render
ISO, whatever the locale, and the fields accept ISO back.
"""
from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """``<input type="date">`` with an ISO value."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002
        super().__init__(attrs=attrs, format=format or ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` with an ISO value (minutes, local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002
        super().__init__(attrs=attrs, format=format or ISO_DATETIME)


class DateField(forms.DateField):
    widget = DateInput
    input_formats = [ISO_DATE, "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]


class DateTimeField(forms.DateTimeField):
    widget = DateTimeInput
    input_formats = [ISO_DATETIME, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def formfield_callback(field: Any, **kwargs: Any) -> Any:
    """A ModelForm ``formfield_callback`` giving model date/date-time fields the ISO fields, and foreign
    keys and many-to-many fields the model choices that refuse an out-of-range key (``core.params``)."""
    from django.db import models

    from .params import IdChoiceField, IdMultipleChoiceField

    if isinstance(field, models.ForeignKey):
        return field.formfield(form_class=IdChoiceField, **kwargs)
    if isinstance(field, models.ManyToManyField):
        return field.formfield(form_class=IdMultipleChoiceField, **kwargs)
    if isinstance(field, models.DateTimeField):
        return field.formfield(form_class=DateTimeField, **kwargs)
    if isinstance(field, models.DateField):
        return field.formfield(form_class=DateField, **kwargs)
    return field.formfield(**kwargs)


class ModelForm(forms.ModelForm[Any]):
    """The product's ModelForm base: model date and date-time fields get the ISO fields and widgets."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Runs before the metaclass builds the fields from ``Meta``; a subclass's own Meta
        # does not inherit ours, so the callback is put on it here.
        super().__init_subclass__(**kwargs)
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = staticmethod(formfield_callback)
