"""``GET /jobs/health/``: is the system up, and is the queue keeping up? For a load balancer and monitoring.

Answers 200 with ``"status": "ok"`` when the database answers, 503 otherwise. It names no person and no
record: only counts and ages, so it needs no login (a proxy's health check has none).
"""
from __future__ import annotations

import datetime
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Job

FAILED_WINDOW = datetime.timedelta(hours=24)


def queue_figures(now: datetime.datetime) -> dict[str, Any]:
    """Jobs waiting to run now, the age of the oldest of them, jobs running, and jobs failed in the last day."""
    due = Job.objects.filter(status=Job.Status.QUEUED, run_after__lte=now)
    oldest = due.aggregate(oldest=Min("run_after"))["oldest"]
    return {
        "due": due.count(),
        "oldest_due_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "running": Job.objects.filter(status=Job.Status.RUNNING).count(),
        "failed_last_day": Job.objects.filter(status=Job.Status.FAILED, finished_at__gte=now - FAILED_WINDOW).count(),
    }


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        queue = queue_figures(now)
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "queue": queue, "time": now.isoformat()})
