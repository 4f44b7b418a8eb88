"""The holiday calendar page for administrators: the stored years, entering a new year from the
State Council's notice (validated, version-checked) and the history of every change."""
from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from rectify.core.holidays import parse_days, save_year
from rectify.core.models import CalendarDay, ChangeRecord, HolidayYear
from rectify.core.refusals import Refused, form_errors
from rectify.core.types import AuthedRequest
from rectify.core.workdays import statutory_holidays, year_is_known

from .services import _is_admin


class HolidayYearForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    notice = forms.CharField(label="依据（国务院办公厅通知名称或文号）", max_length=200, required=False)
    holidays = forms.CharField(label="放假日期（每行一项）", widget=forms.Textarea(attrs={"rows": 8}),
                               help_text="如：2027-01-01 至 2027-01-03 元旦；2027-02-05 至 2027-02-11 春节")
    workdays = forms.CharField(label="调休上班日期（每行一项，须为周六或周日）", required=False,
                               widget=forms.Textarea(attrs={"rows": 4}), help_text="如：2027-02-14 春节")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _lines(days: list[CalendarDay], kind: str) -> str:
    return "\n".join(f"{d.day.isoformat()} {d.name}".strip() for d in days if d.kind == kind)


def _initial(year: int) -> dict[str, Any]:
    item = HolidayYear.objects.filter(year=year).first()
    if item is None:
        estimate = statutory_holidays(year)
        return {"year": year, "holidays": "\n".join(f"{d.isoformat()} {n}" for d, n in sorted(estimate.items())), "version": None}
    days = list(item.days.all())
    return {"year": year, "notice": item.notice, "holidays": _lines(days, CalendarDay.Kind.HOLIDAY),
            "workdays": _lines(days, CalendarDay.Kind.WORKDAY), "version": item.version}


@login_required
def holiday_calendar(request: AuthedRequest) -> HttpResponse:
    if not _is_admin(request.user):
        raise PermissionDenied("只有系统管理员可以维护节假日日历")
    today = timezone.localdate()
    year = _requested_year(request, today)
    form = HolidayYearForm(request.POST or None, initial=_initial(year))
    error = ""
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                holidays = parse_days(data["holidays"], "放假日期")
                workdays = parse_days(data["workdays"], "调休上班日期")
                save_year(data["year"], request.user, holidays=holidays, workdays=workdays, notice=data["notice"],
                          expected_version=data["version"])
            except Refused as exc:
                error = exc.message
            else:
                messages.success(request, f"已保存{data['year']}年节假日安排")
                return redirect(reverse("acceptance:holiday_calendar") + f"?year={data['year']}")
        else:
            error = form_errors(form)
    years = (HolidayYear.objects.select_related("entered_by")
             .annotate(holiday_count=Count("days", filter=Q(days__kind=CalendarDay.Kind.HOLIDAY)),
                       workday_count=Count("days", filter=Q(days__kind=CalendarDay.Kind.WORKDAY)))
             .order_by("-year"))
    history = ChangeRecord.objects.filter(object_type=HolidayYear._meta.label_lower).order_by("-id")[:50]
    return render(request, "acceptance/holiday_calendar.html", {
        "form": form, "error": error, "years": years, "history": history, "year": year,
        "next_year_missing": not year_is_known(today.year + 1), "next_year": today.year + 1,
        "editing": HolidayYear.objects.filter(year=year).first(),
    }, status=400 if error else 200)


def _requested_year(request: HttpRequest, today: datetime.date) -> int:
    raw = request.POST.get("year") or request.GET.get("year") or ""
    try:
        return max(2000, min(2100, int(raw)))
    except ValueError:
        return today.year + 1
