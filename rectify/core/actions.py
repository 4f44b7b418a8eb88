"""One way to run a step: the discipline of the task write path, for every step of the loop.

A step is declared once, next to its rules::

    NOTICE_STEP = Action(SupervisionNotice, reason="办理督办单", select_related=("task",))

    def complete_step(notice, user, step, text, *, expected_version=None):
        with NOTICE_STEP(notice, user, expected_version=expected_version) as act:
            notice = act.obj                      # the row, locked and version-checked
            ...                                   # the step's own rules: raise a Refused subclass
            notice.arrangement = text
            act.save(["arrangement", "status"])   # versioned save + one history row (before, after)
            act.after_commit(send_mail)           # runs only once the transaction commits
        return notice

Entering the block opens ``transaction.atomic``, locks the target row (``select_for_update``) and
refuses a stale ``expected_version`` with ``rectify.core.versioning.StaleEdit`` before any rule
runs. A refusal (or any error) inside the block rolls back everything written in it, the history
rows included, and runs the ``on_failure`` clean-ups (files written outside the database).
``Step.save`` writes the target through ``save_versioned`` (a versioned model) and records one
history row with the changed fields before and after; ``Step.record`` records a row for a record
the step creates. Notifications and hand-offs that leave the database go through
``Step.after_commit`` (``transaction.on_commit``): a rolled-back step tells nobody.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models, transaction

from .history import record_change, snapshot
from .models import ChangeRecord, PublicModel
from .types import AuthedUser
from .versioning import StaleEdit, save_versioned

M = TypeVar("M", bound=PublicModel)


def _task_uuid(obj: models.Model) -> uuid.UUID | None:
    """The task a record belongs to (its history rows are filed under it), or None."""
    if obj._meta.label_lower == "tasks.task":
        return getattr(obj, "uuid", None)
    if getattr(obj, "task_id", None) is not None:
        return getattr(obj.task, "uuid", None)  # type: ignore[attr-defined]
    return None


def _versioned(obj: models.Model) -> bool:
    return any(f.name == "version" for f in obj._meta.concrete_fields)


class Step(Generic[M]):
    """The running step: the locked target, who acts (None: the system, recorded as 系统), and how to
    write and record."""

    def __init__(self, obj: M, user: AuthedUser | None, *, reason: str, task_uuid: uuid.UUID | None,
                 picture: Callable[[M], dict[str, Any]] | None = None) -> None:
        self.obj = obj
        self.user = user
        self.reason = reason
        self.task_uuid = task_uuid
        self.records: list[ChangeRecord] = []
        self._picture = picture
        self._initial = picture(obj) if picture is not None else snapshot(obj)
        self._failure: list[Callable[[], None]] = []

    def before(self, fields: Sequence[str]) -> dict[str, Any]:
        """The named fields of the target as they were when it was locked (its whole picture, when the
        action declares one)."""
        if self._picture is not None:
            return dict(self._initial)
        return {k: self._initial[k] for k in fields if k in self._initial}

    def save(self, fields: Sequence[str], *, reason: str = "", action: str = "") -> ChangeRecord:
        """Write ``fields`` of the target (version-checked and bumped when it is versioned) and record
        one history row with those fields before and after. ``action`` defaults to a transition
        when ``status`` or ``state`` changes, else an update."""
        obj = self.obj
        if _versioned(obj):
            save_versioned(obj, obj.version, list(fields))  # type: ignore[attr-defined]
        else:
            has_updated_at = any(f.name == "updated_at" for f in obj._meta.concrete_fields)
            obj.save(update_fields=[*fields, *(["updated_at"] if has_updated_at else [])])
        after = self._picture(obj) if self._picture is not None else {k: v for k, v in snapshot(obj).items() if k in fields}
        if not action:
            action = ChangeRecord.Action.TRANSITION if {"status", "state"} & set(fields) else ChangeRecord.Action.UPDATE
        return self.record(obj, action, before=self.before(fields), after=after, reason=reason)

    def record(self, obj: PublicModel, action: str = ChangeRecord.Action.CREATE, *, before: dict[str, Any] | None = None,
               after: dict[str, Any] | None = None, reason: str = "") -> ChangeRecord:
        """Record one history row for ``obj`` (by default: created, with its snapshot as ``after``)."""
        if after is None and action == ChangeRecord.Action.CREATE:
            after = snapshot(obj)
        row = record_change(obj, action, before=before, after=after, reason=reason or self.reason,
                            task_uuid=self.task_uuid, user=self.user)
        self.records.append(row)
        return row

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the step's transaction has committed (never after a rollback)."""
        transaction.on_commit(callback)

    def on_failure(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` if the step fails (e.g. delete files written outside the database)."""
        self._failure.append(callback)


@contextmanager
def run_action(model: type[M], obj: M | Any, user: AuthedUser | None, *, reason: str, expected_version: int | None = None,
               select_related: Sequence[str] = (), picture: Callable[[M], dict[str, Any]] | None = None) -> Iterator[Step[M]]:
    """Open the transaction, lock ``obj``'s row of ``model``, check the version, yield the step."""
    pk = obj.pk if isinstance(obj, models.Model) else obj
    step: Step[M] | None = None
    try:
        with transaction.atomic():
            rows = model._default_manager.select_related(*select_related) if select_related else model._default_manager.all()
            # ``of=self``: only the target row is locked, never a nullable related row of the join.
            locked = rows.select_for_update(of=("self",)).get(pk=pk)
            if expected_version is not None and getattr(locked, "version", expected_version) != expected_version:
                raise StaleEdit(locked.version)  # type: ignore[attr-defined]
            step = Step(locked, user, reason=reason, task_uuid=_task_uuid(locked), picture=picture)
            yield step
    except BaseException:
        for callback in step._failure if step is not None else []:
            callback()
        raise


@dataclass(frozen=True)
class Action(Generic[M]):
    """A step declared once: the model whose row it locks, its default history reason, the related
    rows to load with it, and (optionally) how the target is pictured in history before and after
    (default: the fields the step saves). Calling it runs ``run_action``."""

    model: type[M]
    reason: str
    select_related: tuple[str, ...] = ()
    picture: Callable[[M], dict[str, Any]] | None = None

    def __call__(self, obj: M | Any, user: AuthedUser | None, *, expected_version: int | None = None,
                 reason: str = "") -> AbstractContextManager[Step[M]]:
        return run_action(self.model, obj, user, reason=reason or self.reason, expected_version=expected_version,
                          select_related=self.select_related, picture=self.picture)
