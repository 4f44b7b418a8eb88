"""Enqueue, claim and run jobs; enqueue periodic checks when due. Safe with several workers on
SQLite (conditional UPDATE … WHERE status='queued') and PostgreSQL (SELECT … FOR UPDATE SKIP LOCKED)."""
from __future__ import annotations

import datetime
import json
import logging
import os
import socket
import time
import traceback
import uuid
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from rectify.core.context import acting_as
from rectify.core.refusals import Refused

from . import registry
from .models import Job, PeriodicRun

logger = logging.getLogger("rectify.jobs")

# A running job whose lock is older than this is taken to belong to a dead worker.
STALE_AFTER = datetime.timedelta(minutes=30)
# Retry n waits BACKOFF_BASE * 4**(n-1): 30 s, 2 min, 8 min … capped at BACKOFF_MAX.
BACKOFF_BASE = datetime.timedelta(seconds=30)
BACKOFF_MAX = datetime.timedelta(hours=6)
# Finished jobs are kept this long for the /jobs/ page, then purged by ``jobs.purge_finished``.
KEEP_FINISHED = datetime.timedelta(days=30)


class JobRefused(Refused):
    """A job that cannot be enqueued (unknown name, arguments that are not JSON)."""


def worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def enqueue(name: str, *, args: dict[str, Any] | list[Any] | None = None, run_after: datetime.datetime | None = None,
            max_attempts: int = 3) -> Job:
    """Queue ``name`` (a registered job or periodic check) to run with ``args`` at or after ``run_after``."""
    if not registry.is_registered(name):
        try:
            registry.resolve(name)
        except LookupError as exc:
            raise JobRefused(str(exc)) from None
    payload: Any = {} if args is None else args
    try:
        json.dumps(payload)
    except (TypeError, ValueError):
        raise JobRefused("后台任务的参数必须能保存为 JSON（字符串、数字、列表、字典）") from None
    return Job.objects.create(name=name, args=payload, run_after=run_after or timezone.now(), max_attempts=max(1, max_attempts))


def backoff(attempts: int) -> datetime.timedelta:
    factor: int = 4 ** max(0, attempts - 1)
    return min(BACKOFF_BASE * factor, BACKOFF_MAX)


def claim(worker: str, now: datetime.datetime | None = None) -> Job | None:
    """Take the next due queued job for ``worker``; never hands one job to two claimers."""
    now = now or timezone.now()
    due = Job.objects.filter(status=Job.Status.QUEUED, run_after__lte=now).order_by("run_after", "id")
    if connection.vendor == "postgresql":
        with transaction.atomic():
            job = due.select_for_update(skip_locked=True).first()
            if job is None:
                return None
            job.status = Job.Status.RUNNING
            job.locked_by = worker
            job.locked_at = now
            job.attempts += 1
            job.save(update_fields=["status", "locked_by", "locked_at", "attempts"])
            return job
    for pk in list(due.values_list("pk", flat=True)[:20]):
        taken = Job.objects.filter(pk=pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, locked_by=worker, locked_at=now, attempts=F("attempts") + 1,
        )
        if taken == 1:
            return Job.objects.get(pk=pk)
    return None


def _plain_result(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def run(job: Job, worker: str) -> Job:
    """Run a claimed job; mark it done, or queue a retry with backoff, or mark it failed."""
    started = time.monotonic()
    error = ""
    result: Any = None
    try:
        func = registry.resolve(job.name)
        with acting_as(None, request_id=job.uuid.hex):
            if isinstance(job.args, dict):
                result = func(**job.args)
            elif isinstance(job.args, list):
                result = func(*job.args)
            else:
                result = func(job.args)
    except Exception:
        error = traceback.format_exc()
    duration = time.monotonic() - started
    now = timezone.now()
    mine = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, locked_by=worker)
    if not error:
        mine.update(status=Job.Status.DONE, finished_at=now, result=_plain_result(result), last_error="", locked_by="")
        logger.info("后台任务 %s [%s] 完成，用时 %.2f 秒，结果：%s", job.name, job.uuid, duration, result)
    elif job.attempts < job.max_attempts:
        delay = backoff(job.attempts)
        mine.update(status=Job.Status.QUEUED, run_after=now + delay, last_error=error[-10000:], locked_by="", locked_at=None)
        logger.warning("后台任务 %s [%s] 第 %d 次运行失败（用时 %.2f 秒），%d 秒后重试：%s",
                       job.name, job.uuid, job.attempts, duration, int(delay.total_seconds()), error.strip().splitlines()[-1])
    else:
        mine.update(status=Job.Status.FAILED, finished_at=now, last_error=error[-10000:], locked_by="")
        logger.error("后台任务 %s [%s] 第 %d 次运行失败（用时 %.2f 秒），不再重试：%s",
                     job.name, job.uuid, job.attempts, duration, error.strip().splitlines()[-1])
    job.refresh_from_db()
    return job


def requeue_stale(now: datetime.datetime | None = None) -> int:
    """Jobs locked by a worker that died: queue them again, or fail them when out of attempts."""
    now = now or timezone.now()
    stale = Job.objects.filter(status=Job.Status.RUNNING, locked_at__lt=now - STALE_AFTER)
    message = f"执行超时：{int(STALE_AFTER.total_seconds() // 60)} 分钟内未结束（执行进程可能已退出）"
    failed = stale.filter(attempts__gte=F("max_attempts")).update(status=Job.Status.FAILED, finished_at=now, last_error=message, locked_by="")
    requeued = stale.filter(attempts__lt=F("max_attempts")).update(status=Job.Status.QUEUED, run_after=now, last_error=message, locked_by="", locked_at=None)
    if failed or requeued:
        logger.warning("发现 %d 个超时的后台任务：%d 个重新排队，%d 个标为失败", failed + requeued, requeued, failed)
    return failed + requeued


def enqueue_due_periodic(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue each periodic check whose interval has passed — once, however many workers ask."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for check in registry.periodic_checks():
        state, _ = PeriodicRun.objects.get_or_create(name=check.name)
        last = state.last_run_at
        if last is not None and last + check.every > now:
            continue
        with transaction.atomic():
            same = PeriodicRun.objects.filter(pk=state.pk)
            same = same.filter(last_run_at=last) if last is not None else same.filter(last_run_at__isnull=True)
            if same.update(last_run_at=now) == 1:
                enqueue(check.name)
                enqueued.append(check.name)
    return enqueued


def run_now(name: str) -> Job:
    """Queue a periodic check to run at once (the “立即运行” button); one waiting copy is enough."""
    if registry.get_periodic(name) is None:
        raise JobRefused(f"没有名为 {name} 的定时检查")
    waiting = Job.objects.filter(name=name, status=Job.Status.QUEUED, run_after__lte=timezone.now()).first()
    return waiting or enqueue(name)


def work_once(worker: str, *, limit: int = 1000) -> list[Job]:
    """One pass: recover stale jobs, enqueue due periodic checks, run every due job."""
    requeue_stale()
    enqueue_due_periodic()
    done: list[Job] = []
    while len(done) < limit:
        job = claim(worker)
        if job is None:
            break
        done.append(run(job, worker))
    return done


def purge_finished(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = Job.objects.filter(Q(status=Job.Status.DONE) | Q(status=Job.Status.FAILED), finished_at__lt=now - KEEP_FINISHED).delete()
    return deleted
