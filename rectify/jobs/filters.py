"""The job list's filter (django-filter)."""
from __future__ import annotations

import django_filters

from .models import Job


class JobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=Job.Status.choices, empty_label="全部")

    class Meta:
        model = Job
        fields: list[str] = []
