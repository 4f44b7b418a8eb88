"""Query parameters, parsed in one place: numbers within their column's range, and search terms.

* ``int_param(request.GET, "unit", field=ProgressReport._meta.get_field("unit"))`` — an integer the
  column can hold, or None when the parameter is absent or empty; anything else raises ``BadParam``,
  which Django answers with 400 (``django.core.exceptions.BadRequest``), never a database error.
* ``IdChoiceField`` / ``IdMultipleChoiceField`` / ``IdChoiceFilter`` — the same check for form fields
  and django-filter filters that take a primary key (a value out of range is an invalid choice, not a
  query). Every model choice of a form is one of these: ``core.forms.ModelForm`` gives them to foreign
  keys and many-to-many fields, and ``tests_security/test_form_choices.py`` checks every form class.
* ``search_terms(text)`` — the words of a keyword search, capped in number and length so that a
  pasted essay cannot build a query the database refuses ("Expression tree is too large").
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.db import connection, models

from .refusals import Refused

MAX_SEARCH_TERMS = 20
MAX_SEARCH_TERM_CHARS = 50
INTEGER_RE = re.compile(r"[+-]?\d{1,40}")


class BadParam(Refused, BadRequest):
    """A query parameter that cannot be used; the message (Chinese) says which and why."""


def column_range(field: models.Field[Any, Any] | None) -> tuple[int, int]:
    """The (min, max) integer the field's column holds on this database (a foreign key: its target's)."""
    if field is None:
        return connection.ops.integer_field_range("BigIntegerField")
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    low, high = connection.ops.integer_field_range(target.get_internal_type())
    return (low if low is not None else -(2**63), high if high is not None else 2**63 - 1)


def parse_int(value: Any, *, field: models.Field[Any, Any] | None = None, minimum: int | None = None,
              maximum: int | None = None, label: str = "参数") -> int | None:
    """``value`` as an integer inside the column's range; None for None or blank. Raises ``ValueError``."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if not INTEGER_RE.fullmatch(text):
        raise ValueError(f"{label}应为整数")
    number = int(text)
    low, high = column_range(field)
    if field is not None and (field.primary_key or field.is_relation):
        low = max(low, 1)  # keys start at 1
    if minimum is not None:
        low = max(low, minimum)
    if maximum is not None:
        high = min(high, maximum)
    if not low <= number <= high:
        raise ValueError(f"{label}超出范围（应在 {low} 至 {high} 之间）")
    return number


def int_param(params: Mapping[str, Any], name: str, *, field: models.Field[Any, Any] | None = None,
              minimum: int | None = None, maximum: int | None = None, label: str = "") -> int | None:
    """The integer query parameter ``name`` (see ``parse_int``); raises ``BadParam`` (400) when unusable."""
    try:
        return parse_int(params.get(name), field=field, minimum=minimum, maximum=maximum, label=f"参数 {label or name} ")
    except ValueError as exc:
        raise BadParam(str(exc)) from None


def _key_field(choice: forms.ModelChoiceField) -> models.Field[Any, Any] | None:  # type: ignore[type-arg]
    """The integer column a model choice's submitted keys are looked up in, or None when it is not an integer."""
    model = choice.queryset.model if choice.queryset is not None else None
    if model is None:
        return None
    key = choice.to_field_name or "pk"
    field = model._meta.pk if key == "pk" else model._meta.get_field(key)
    if isinstance(field, (models.AutoField, models.BigAutoField, models.IntegerField, models.ForeignKey)):
        return field
    return None


def _check_key(choice: forms.ModelChoiceField, value: Any) -> None:  # type: ignore[type-arg]
    field = _key_field(choice)
    if field is None:
        return
    try:
        parse_int(value, field=field)
    except ValueError:
        raise ValidationError(choice.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}) from None


class IdChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A model choice whose submitted key is checked against the key column's range before any query."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        _check_key(self, value)
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """The same check for a multiple choice: every submitted key in the column's range, or an invalid choice."""

    def _check_values(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            for item in value:
                if item not in self.empty_values:
                    _check_key(self, item)
        return super()._check_values(value)  # type: ignore[misc]


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter with ``IdChoiceField``: a huge or negative id is an invalid choice."""

    field_class = IdChoiceField


class SearchTooLong(Refused, ValueError):
    """The search has too many words or too long a word; the message is Chinese."""


def search_terms(text: str | None) -> list[str]:
    """The words of a keyword search (split on whitespace, repeats dropped); raises ``SearchTooLong``."""
    words = list(dict.fromkeys((text or "").split()))
    if len(words) > MAX_SEARCH_TERMS:
        raise SearchTooLong(f"关键词太多（{len(words)} 个），最多 {MAX_SEARCH_TERMS} 个，请减少关键词后再搜索")
    longest = max((len(w) for w in words), default=0)
    if longest > MAX_SEARCH_TERM_CHARS:
        raise SearchTooLong(f"关键词太长（{longest} 个字），每个关键词不超过 {MAX_SEARCH_TERM_CHARS} 个字")
    return words


def caseless(word: str) -> bool:
    """Whether ``word`` has no letter with a case (Chinese characters, digits, punctuation): a text holds it
    upper-cased exactly when it holds it as it is, so finding it needs no upper-casing of each text checked
    (``UPPER(text) LIKE`` cost three times a plain ``LIKE`` on PostgreSQL)."""
    return word.upper() == word == word.lower()


def search_q(text: str | None, field: str, lookup: str = "icontains") -> models.Q:
    """All the words of ``text`` in ``field`` (case-insensitive: a ``caseless`` word's ``icontains`` is a plain
    ``contains``); raises ``SearchTooLong``."""
    q = models.Q()
    for word in search_terms(text):
        word_lookup = "contains" if lookup == "icontains" and caseless(word) else lookup
        q &= models.Q(**{f"{field}__{word_lookup}": word})
    return q
