"""Writes to inspections: one transaction, a version check and one history row each."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction

from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.versioning import StaleEdit, save_versioned
from rectify.regions.models import Region

from .models import Inspection

FIELDS = ["team", "level", "round", "batch", "target_region", "stationed_from", "stationed_to", "feedback_date"]


@dataclass
class InspectionData:
    team: str
    level: str
    target_region: Region
    round: int | None = None
    batch: str = ""
    stationed_from: datetime.date | None = None
    stationed_to: datetime.date | None = None
    feedback_date: datetime.date | None = None


def _values(data: InspectionData) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in fields(data)}


def _differs(inspection: Inspection, data: InspectionData) -> bool:
    return any(getattr(inspection, name) != value for name, value in _values(data).items())


@transaction.atomic
def create_inspection(data: InspectionData, *, reason: str = "") -> Inspection:
    inspection = Inspection.objects.create(**_values(data))
    record_change(inspection, ChangeRecord.Action.CREATE, after=snapshot(inspection), reason=reason or "新建督察")
    return inspection


@transaction.atomic
def update_inspection(inspection: Inspection, data: InspectionData, *, expected_version: int, reason: str = "") -> bool:
    """Apply ``data``; returns False (and writes nothing) when nothing differs; a stale version is refused."""
    current = Inspection.objects.select_for_update().select_related("target_region").get(pk=inspection.pk)
    if current.version != expected_version:
        raise StaleEdit(current.version)
    if not _differs(current, data):
        return False
    before = snapshot(current)
    for name, value in _values(data).items():
        setattr(current, name, value)
    save_versioned(current, expected_version, FIELDS)
    record_change(current, ChangeRecord.Action.UPDATE, before=before, after=snapshot(current), reason=reason or "修改督察信息")
    inspection.version = current.version
    return True
