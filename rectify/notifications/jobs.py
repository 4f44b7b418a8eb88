"""Periodic housekeeping for notifications."""
from __future__ import annotations

import datetime

from rectify.jobs.registry import periodic

KEEP_READ_DAYS = 180


@periodic("notifications.purge_old", every_minutes=24 * 60)
def purge_old(today: datetime.date | None = None) -> int:
    """删除 180 天前已读的通知"""
    from django.utils import timezone

    from .models import Notification

    today = today or timezone.localdate()
    cutoff = datetime.datetime.combine(today - datetime.timedelta(days=KEEP_READ_DAYS), datetime.time(), tzinfo=timezone.get_current_timezone())
    deleted, _ = Notification.objects.filter(read_at__isnull=False, read_at__lt=cutoff).delete()
    return deleted
