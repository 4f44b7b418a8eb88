"""The round's report list filter (django-filter), shared by the page and its Excel export."""
from __future__ import annotations

import django_filters

from .labels import ScheduleLabel
from .models import ProgressReport


class RoundReportFilter(django_filters.FilterSet):
    schedule = django_filters.ChoiceFilter(label="序时进度", choices=ScheduleLabel.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="审核状态", choices=ProgressReport.Status.choices, empty_label="全部")

    class Meta:
        model = ProgressReport
        fields: list[str] = []
