"""The notice list's filter (django-filter): status, late step, region (a type-ahead: the name typed and the
id chosen) and task (a link from the task's page)."""
from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils import timezone

from rectify.core.types import AuthedRequest, AuthedUser
from rectify.regions.lookup import LIMIT as LOOKUP_LIMIT
from rectify.regions.lookup import name_q, visible_regions

from . import services
from .forms import FilterForm
from .models import SupervisionNotice


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class NoticeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=SupervisionNotice.Status.choices, empty_label="全部")
    late = django_filters.ChoiceFilter(label="逾期环节", choices=[("any", "任一环节逾期"), *SupervisionNotice.Step.choices],
                                       empty_label="全部", method="by_late")
    region_name = django_filters.CharFilter(label="区划", max_length=60, method="by_region_name", widget=forms.TextInput(attrs={
        "data-typeahead": reverse_lazy("regions:lookup_regions"), "data-typeahead-target": "id_region", "autocomplete": "off",
        "placeholder": "输入区划名称", "role": "combobox", "aria-autocomplete": "list", "aria-expanded": "false"}))
    region = IntegerFilter(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput, method="by_region")
    task = django_filters.UUIDFilter(field_name="task__uuid", widget=forms.HiddenInput)

    class Meta:
        model = SupervisionNotice
        fields: list[str] = []
        form = FilterForm

    def __init__(self, *args: Any, request: AuthedRequest | None = None, user: AuthedUser | None = None, **kwargs: Any) -> None:
        """The page passes its request; the API, which has no session user, passes the caller as ``user``."""
        super().__init__(*args, request=request, **kwargs)
        caller = user if user is not None else request.user if request is not None else None
        if caller is None:
            raise TypeError("NoticeFilter needs the request or the user")
        self.regions = visible_regions(caller)
        self.today = timezone.localdate()

    @property
    def form(self) -> Any:
        form = super().form
        form.regions = self.regions
        return form

    def by_late(self, queryset: QuerySet[SupervisionNotice], name: str, value: str) -> QuerySet[SupervisionNotice]:
        return queryset.filter(services.late_q(self.today) if value == "any" else services.late_step_q(value, self.today))

    def by_region(self, queryset: QuerySet[SupervisionNotice], name: str, value: Any) -> QuerySet[SupervisionNotice]:
        region = get_object_or_404(self.regions, pk=value)
        return queryset.filter(region_path__startswith=region.path)

    def by_region_name(self, queryset: QuerySet[SupervisionNotice], name: str, value: str) -> QuerySet[SupervisionNotice]:
        if self.form.cleaned_data.get("region"):
            return queryset  # the id chosen from the suggestions decides
        paths = list(self.regions.filter(name_q(value)).values_list("path", flat=True)[:LOOKUP_LIMIT])
        by_name = Q(pk__in=[])
        for path in paths:
            by_name |= Q(region_path__startswith=path)
        return queryset.filter(by_name)
