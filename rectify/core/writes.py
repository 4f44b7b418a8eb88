"""Writes for records that have no service module of their own (units, inspections, plans).

Each is one transaction that checks the version (where the record has one) and appends a
history row, exactly as ``rectify.tasks.services`` does for tasks.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord, PublicModel, VersionedModel
from rectify.core.versioning import StaleEdit, save_versioned

_P = TypeVar("_P", bound=PublicModel)


@transaction.atomic
def create_record(obj: _P, *, reason: str = "") -> _P:
    obj.save()
    record_change(obj, ChangeRecord.Action.CREATE, after=snapshot(obj), reason=reason)
    return obj


@transaction.atomic
def update_record(obj: PublicModel, changes: dict[str, Any], *, expected_version: int | None = None, reason: str = "") -> bool:
    """Apply ``changes``; False (nothing written) when nothing differs. Versioned models check the version."""
    model = type(obj)
    current = model._default_manager.select_for_update().get(pk=obj.pk)
    if isinstance(current, VersionedModel) and expected_version is not None and current.version != expected_version:
        raise StaleEdit(current.version)
    changed = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not changed:
        return False
    before = snapshot(current)
    for name, value in changed.items():
        setattr(current, name, value)
    current.updated_at = timezone.now()
    if isinstance(current, VersionedModel):
        save_versioned(current, current.version, [*changed, "updated_at"])
    else:
        current.save(update_fields=[*changed, "updated_at"])
    record_change(current, ChangeRecord.Action.UPDATE, before=before, after=snapshot(current), reason=reason)
    for name in [*changed, "version"]:
        if hasattr(current, name):
            setattr(obj, name, getattr(current, name))
    return True


@contextmanager
def version_checked(model: type[VersionedModel], pk: int, expected_version: int) -> Iterator[None]:
    """Hold ``model``'s row locked for the block and refuse a stale version (409), for services
    whose own signature has no version (e.g. a request on a supervision notice)."""
    with transaction.atomic():
        current = model._default_manager.select_for_update().get(pk=pk)
        if current.version != expected_version:
            raise StaleEdit(current.version)
        yield
