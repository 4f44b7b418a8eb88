"""Large exports in the background: ask (a row and a queued job), build (the job, with progress), download, expire.

An app registers how to build one kind of file with ``registry.exporter(kind)`` and, in its view,
decides what goes in it *while answering the request* — through the caller's scope, e.g. the ids of
the tasks ``Task.objects.visible_to(user)`` and the filters give — then either builds the file at
once (small) or calls ``start_export`` (large, ``needs_background``). The job writes the file to the
default storage under ``exports/`` and records its progress after each chunk; only the user who
asked (and administrators) may follow or download it (``ExportFile.objects.for_user``); files expire
after ``RECTIFY_EXPORT_KEEP_HOURS``, when ``purge_expired`` (the periodic check ``jobs.purge_exports``)
deletes them, file and row.
"""
from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from rectify.core.types import AuthedUser

from . import registry, services
from .models import ExportFile

logger = logging.getLogger("rectify.jobs")
RUN_EXPORT = "jobs.run_export"


def needs_background(rows: int) -> bool:
    """Whether an export of ``rows`` rows is too large to build while the request waits."""
    return rows > settings.RECTIFY_EXPORT_BACKGROUND_ROWS


def start_export(user: AuthedUser, kind: str, *, title: str, filename: str, args: dict[str, Any], total: int) -> ExportFile:
    """Record an export for ``user`` and queue the job that builds it (visible to workers on commit)."""
    registry.get_exporter(kind)  # refuse an unknown kind now, not in the worker
    with transaction.atomic():
        export = ExportFile.objects.create(user=user, kind=kind, title=title[:200], filename=filename[:200], args=args, total=total)
        export.job = services.enqueue(RUN_EXPORT, args={"export": export.pk}, max_attempts=1)
        export.save(update_fields=["job"])
    return export


@registry.job(RUN_EXPORT, label="生成导出文件")
def run_export(export: int) -> str:
    """Build the file of one export, recording progress; a failure is shown on the export's page."""
    found = ExportFile.objects.filter(pk=export, status__in=[ExportFile.Status.QUEUED, ExportFile.Status.RUNNING]).first()
    if found is None:
        return "导出记录不存在或已处理"
    ExportFile.objects.filter(pk=found.pk).update(status=ExportFile.Status.RUNNING, done=0)

    def progress(done: int) -> None:
        ExportFile.objects.filter(pk=found.pk).update(done=min(done, found.total) if found.total else done)

    try:
        content = registry.get_exporter(found.kind)(found.args, progress)
    except Exception:
        ExportFile.objects.filter(pk=found.pk).update(status=ExportFile.Status.FAILED, finished_at=timezone.now(),
                                                      error="生成文件时出错，请重新导出；如仍失败请联系系统管理员。")
        raise
    found.file.save(f"{found.uuid.hex}.xlsx", ContentFile(content), save=False)
    now = timezone.now()
    ExportFile.objects.filter(pk=found.pk).update(
        status=ExportFile.Status.DONE, file=found.file.name, size=len(content), done=found.total, finished_at=now,
        expires_at=now + datetime.timedelta(hours=settings.RECTIFY_EXPORT_KEEP_HOURS), args={},
    )
    return f"{found.title}：{found.total} 行，{len(content)} 字节"


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete the exports whose time is up — finished ones past their ``expires_at``, unfinished or failed
    ones asked longer ago than that (their worker is gone) and any left marked expired by earlier versions —
    each file from the default storage first, then the row (我的导出 no longer lists it). Idempotent: a row
    whose file cannot be removed stays for the next run. Returns how many were deleted."""
    now = now or timezone.now()
    keep = datetime.timedelta(hours=settings.RECTIFY_EXPORT_KEEP_HOURS)
    expired = (ExportFile.objects.filter(status=ExportFile.Status.DONE, expires_at__lt=now)
               | ExportFile.objects.filter(status=ExportFile.Status.EXPIRED)
               | ExportFile.objects.filter(status__in=[ExportFile.Status.QUEUED, ExportFile.Status.RUNNING, ExportFile.Status.FAILED],
                                           created_at__lt=now - keep - services.STALE_AFTER))
    deleted = 0
    for export in expired.only("pk", "file").order_by("pk"):
        try:
            if export.file:
                export.file.delete(save=False)
        except OSError:
            logger.warning("导出文件 %s 删除失败，下次清理时重试", export.file.name, exc_info=True)
            continue
        deleted += ExportFile.objects.filter(pk=export.pk).delete()[0]
    if deleted:
        logger.info("清理了 %d 个过期的导出（文件及记录）", deleted)
    return deleted
