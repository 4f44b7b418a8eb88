"""An API list filters with its page's django-filter ``FilterSet``: one filter definition per list.

The operation keeps its typed query parameters (they make the schema, and ninja refuses a value of the
wrong type with 422); ``page_filter`` hands them to the page's FilterSet under the page's names, and a
value the FilterSet refuses answers 422 with its messages, as the task list does with the ledger's filter.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import QueryDict

from .errors import ApiValidationError

Q = TypeVar("Q", bound=QuerySet[Any])


def query_data(params: Mapping[str, Any]) -> QueryDict:
    """The query string a page would get: a list gives one value per item; None, "" and False are left out."""
    data = QueryDict(mutable=True)
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        data.setlist(name, [str(v) for v in values if v is not None and v != "" and v is not False])
    return data


def page_filter(filterset_class: Any, queryset: Q, params: Mapping[str, Any], **init: Any) -> Q:
    """``queryset`` narrowed by ``filterset_class`` over ``params`` (the page's names); ``init`` goes to the
    FilterSet (``user=``, ``request=``). An invalid value raises ApiValidationError naming the field."""
    found = filterset_class(query_data(params), queryset=queryset, **init)
    if not found.is_valid():
        raise ApiValidationError({name: list(messages) for name, messages in found.errors.items()})
    narrowed: Q = found.qs
    return narrowed
