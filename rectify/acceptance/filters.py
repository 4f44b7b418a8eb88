"""The look-back list's filter (django-filter): ``?status=pending|consolidated|relapse``, shown as buttons."""
from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from .models import LookBack

LOOK_BACK_FILTERS = {"pending": "待回头看", "consolidated": "巩固", "relapse": "反弹"}


class LookBackFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="结论", choices=list(LOOK_BACK_FILTERS.items()), method="by_result")

    class Meta:
        model = LookBack
        fields: list[str] = []

    def by_result(self, queryset: QuerySet[LookBack], name: str, value: Any) -> QuerySet[LookBack]:
        return queryset.filter(result=LookBack.Result.PENDING if value == "pending" else value)
