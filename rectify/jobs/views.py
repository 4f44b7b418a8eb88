"""The staff page for the queue: recent jobs with their errors, periodic checks and “立即运行”."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from rectify.accounts.permissions import can
from rectify.core.types import AuthedRequest
from rectify.core.views.lists import ScopedListView

from . import registry, services
from .filters import JobFilter
from .models import Job, PeriodicRun
from .tables import JobTable

PAGE_SIZE = 30


def _staff(request: AuthedRequest) -> None:
    if not can(request.user, "system.jobs"):
        raise PermissionDenied("只有系统管理人员可以查看后台任务")


class JobList(ScopedListView):
    model = Job
    action = "system.jobs"
    denied = "只有系统管理人员可以查看后台任务"
    filterset_class = JobFilter
    table_class = JobTable
    paginate_by = PAGE_SIZE
    template_name = "jobs/list.html"
    title = "后台任务"
    empty = "还没有后台任务。"
    empty_filtered = "没有该状态的后台任务。"

    def narrow(self, qs: QuerySet[Job]) -> QuerySet[Job]:
        return qs.order_by("-id")

    def decorate(self, rows: list[Any]) -> None:
        for job in rows:
            job.label = registry.label_of(job.name)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        runs = PeriodicRun.objects.in_bulk(field_name="name")
        checks = [{"check": c, "last_run_at": runs[c.name].last_run_at if c.name in runs else None}
                  for c in registry.periodic_checks()]
        return {**super().get_context_data(**kwargs), "checks": checks, "can_run": can(self.request.user, "system.run_checks")}


job_list = JobList.as_view()


@login_required
@require_POST
def run_periodic(request: AuthedRequest, name: str) -> HttpResponse:
    _staff(request)
    if not can(request.user, "system.run_checks"):
        raise PermissionDenied("只有系统管理员可以立即运行定时检查")
    check = registry.get_periodic(name)
    if check is None:
        raise Http404("没有这个定时检查")
    job = services.run_now(name)
    messages.success(request, f"已排入队列：{check.label}（{job.uuid}），后台任务执行进程将立即运行它")
    return redirect("jobs:list")
