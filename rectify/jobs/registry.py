"""Which functions the worker may run: periodic checks and on-demand jobs.

An app registers its checks in ``<app>/jobs.py``; ``autodiscover()`` (called from the jobs app's
``ready()``) imports that module of every installed app::

    from rectify.jobs.registry import periodic

    @periodic("dispatch.remind_missing_reports", every_minutes=60, label="未报送进展提醒")
    def remind_missing_reports(today: datetime.date | None = None) -> int: ...

and one-off work with ``@job`` (enqueued by ``rectify.jobs.services.enqueue(name, args=...)``).
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

F = TypeVar("F", bound=Callable[..., Any])


_CJK = re.compile(r"[\u4e00-\u9fff]")


def describe(func: Callable[..., Any], label: str | None, name: str) -> str:
    """The Chinese description shown on /jobs/: the declared label, else a Chinese first docstring line, else the name."""
    if label:
        return label
    doc = (func.__doc__ or "").strip()
    first = doc.splitlines()[0] if doc else ""
    return first if _CJK.search(first) else name


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


@dataclass(frozen=True)
class PeriodicCheck:
    name: str
    func: Callable[..., Any]
    every: datetime.timedelta
    declared_label: str | None = None

    @property
    def label(self) -> str:
        return describe(self.func, self.declared_label, self.name)

    @property
    def every_minutes(self) -> int:
        return int(self.every.total_seconds() // 60)


_periodic: dict[str, PeriodicCheck] = {}
_jobs: dict[str, Callable[..., Any]] = {}
_job_labels: dict[str, str] = {}


def _same(a: Callable[..., Any], b: Callable[..., Any]) -> bool:
    return (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


def periodic(name: str, every_minutes: int, label: str | None = None) -> Callable[[F], F]:
    """Register ``func`` as a periodic check run every ``every_minutes`` (idempotent functions only).

    ``label`` is the Chinese description shown to staff on /jobs/."""
    if every_minutes < 1:
        raise ImproperlyConfigured(f"定时检查 {name} 的间隔必须至少 1 分钟")

    def decorate(func: F) -> F:
        existing = _periodic.get(name)
        if existing is not None and not _same(existing.func, func):
            raise ImproperlyConfigured(f"定时检查名称 {name} 已被 {existing.func.__module__}.{existing.func.__qualname__} 使用")
        _periodic[name] = PeriodicCheck(name=name, func=func, every=datetime.timedelta(minutes=every_minutes), declared_label=label)
        return func

    return decorate


def job(name: str | None = None, label: str | None = None) -> Callable[[F], F]:
    """Register ``func`` as a job that can be enqueued by name (default: its dotted path), described by ``label``."""

    def decorate(func: F) -> F:
        key = name or f"{func.__module__}.{func.__qualname__}"
        existing = _jobs.get(key)
        if existing is not None and not _same(existing, func):
            raise ImproperlyConfigured(f"后台任务名称 {key} 已被使用")
        _jobs[key] = func
        _job_labels[key] = describe(func, label, key)
        return func

    return decorate


def periodic_checks() -> list[PeriodicCheck]:
    return sorted(_periodic.values(), key=lambda p: p.name)


def label_of(name: str) -> str:
    """The Chinese description of a queued job's name (a periodic check or a registered job)."""
    check = _periodic.get(name)
    if check is not None:
        return check.label
    return _job_labels.get(name, name)


def get_periodic(name: str) -> PeriodicCheck | None:
    return _periodic.get(name)


def is_registered(name: str) -> bool:
    return name in _periodic or name in _jobs


def resolve(name: str) -> Callable[..., Any]:
    """The function registered under ``name``; a dotted name's module is imported once to register it."""
    found = _periodic[name].func if name in _periodic else _jobs.get(name)
    if found is None and "." in name:
        module = name.rsplit(".", 1)[0]
        if module.startswith("rectify."):
            try:
                import_module(module)
            except ImportError:  # a stored job's name whose module is gone: answered below as unregistered
                pass
            found = _periodic[name].func if name in _periodic else _jobs.get(name)
    if found is None:
        raise LookupError(f"未登记的后台任务：{name}")
    return found


def autodiscover() -> None:
    """Import ``<app>.jobs`` of every installed app so its checks register."""
    autodiscover_modules("jobs")
