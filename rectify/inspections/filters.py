"""The inspection list's filter (django-filter): a keyword over team, batch and region, and the level."""
from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from .models import Inspection

MAX_QUERY = 100


class InspectionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="search", widget=forms.TextInput(
        attrs={"type": "search", "maxlength": MAX_QUERY, "placeholder": "督察组、批次或区划"}))
    level = django_filters.ChoiceFilter(label="层级", choices=Inspection.Level.choices, empty_label="全部")

    class Meta:
        model = Inspection
        fields: list[str] = []

    def search(self, queryset: QuerySet[Inspection], name: str, value: Any) -> QuerySet[Inspection]:
        q = str(value).strip()[:MAX_QUERY]
        return queryset.filter(Q(team__icontains=q) | Q(batch__icontains=q) | Q(target_region__name__icontains=q)) if q else queryset
