"""The staff page for the queue: recent jobs with their errors, periodic checks and “立即运行”."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rectify.accounts.roles import Role
from rectify.core.pagination import paginate
from rectify.core.types import AuthedRequest

from . import registry, services
from .models import Job, PeriodicRun

PAGE_SIZE = 30


def _staff(request: AuthedRequest) -> None:
    if not (request.user.is_staff or request.user.is_superuser):
        raise PermissionDenied("只有系统管理人员可以查看后台任务")


@login_required
def job_list(request: AuthedRequest) -> HttpResponse:
    _staff(request)
    status = request.GET.get("status", "")
    jobs = Job.objects.order_by("-id")
    if status in Job.Status.values:
        jobs = jobs.filter(status=status)
    else:
        status = ""
    page = paginate(request, jobs, PAGE_SIZE)
    for job in page.object_list:
        job.label = registry.label_of(job.name)
    runs = PeriodicRun.objects.in_bulk(field_name="name")
    checks = [
        {"check": c, "last_run_at": runs[c.name].last_run_at if c.name in runs else None}
        for c in registry.periodic_checks()
    ]
    return render(request, "jobs/list.html", {
        "page": page,
        "status": status,
        "statuses": Job.Status.choices,
        "checks": checks,
        "can_run": request.user.has_role(Role.ADMIN),
    })


@login_required
@require_POST
def run_periodic(request: AuthedRequest, name: str) -> HttpResponse:
    _staff(request)
    if not request.user.has_role(Role.ADMIN):
        raise PermissionDenied("只有系统管理员可以立即运行定时检查")
    check = registry.get_periodic(name)
    if check is None:
        raise Http404("没有这个定时检查")
    job = services.run_now(name)
    messages.success(request, f"已排入队列：{check.label}（{job.uuid}），后台任务执行进程将立即运行它")
    return redirect("jobs:list")
