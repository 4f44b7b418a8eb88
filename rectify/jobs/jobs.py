"""The jobs app's own periodic checks: keep the queue table small, remove expired export files, seal the
audit chains (``core.history.seal``), prune the maintained counters' rows at 0 (``core.counters.prune``), delete the
sessions that have expired."""
from __future__ import annotations

import datetime

from . import exports  # noqa: F401  (registers the job that builds background exports)
from .registry import periodic


@periodic("jobs.purge_finished", every_minutes=24 * 60, label="清理 30 天前结束的后台任务记录")
def purge_finished(today: datetime.date | None = None) -> int:
    """清理 30 天前结束的后台任务记录"""
    from django.utils import timezone

    from .services import purge_finished as purge

    now = timezone.now()
    if today is not None:
        now = datetime.datetime.combine(today, datetime.time(), tzinfo=timezone.get_current_timezone())
    return purge(now)


@periodic("core.seal_audit", every_minutes=60, label="封存审计链：把每条变更记录链的链头写入新的根摘要")
def seal_audit(today: datetime.date | None = None) -> int:
    """封存审计链：把每条变更记录链的链头写入新的根摘要"""
    from rectify.core.history import seal

    return 0 if seal() is None else 1


@periodic("core.prune_counters", every_minutes=24 * 60, label="合并计数表各分片的行，清理计数为 0 的行（任务已迁出的区域、已无报送的月份）")
def prune_counters(today: datetime.date | None = None) -> int:
    """合并计数表各分片的行，清理计数为 0 的行"""
    from rectify.core.counters import prune_all

    return prune_all()


@periodic("jobs.purge_exports", every_minutes=60, label="清理过期的导出：删除文件及其记录")
def purge_exports(today: datetime.date | None = None) -> int:
    """清理过期的导出：删除文件及其记录"""
    from django.utils import timezone

    from .exports import purge_expired

    now = timezone.now()
    if today is not None:
        now = datetime.datetime.combine(today, datetime.time(), tzinfo=timezone.get_current_timezone())
    return purge_expired(now)


@periodic("jobs.clear_expired_sessions", every_minutes=24 * 60, label="清理已过期的登录会话")
def clear_expired_sessions(today: datetime.date | None = None) -> int:
    """清理已过期的登录会话

    Django leaves a session's row when it expires (``manage.py clearsessions`` is to be run from cron): every sign-in
    added one for good, each holding its user's id. Sessions kept in the database (``db``, ``cached_db``) are deleted
    here, counted; another engine's store is asked to clear itself (a cache's entries expire on their own)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    if settings.SESSION_ENGINE in ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"):
        deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
        return deleted
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return 0
