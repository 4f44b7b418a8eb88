"""Creating, renaming and moving regions: the region tree is every user's data scope.

A region's ``path`` is its parent's path and its own code; the paths below a region and the copies of
them other apps keep (a task's ``region_path``, and through it the notices' copies and the counters,
kept by their triggers) follow every move in the moving transaction. An app that copies a path
connects to ``subtree_moved`` (the ledger does, ``rectify.tasks.models``), since regions import no app above them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.dispatch import Signal

from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser

from .models import Region

Level = Region.Level

# The levels a region's parent may have: a county may sit directly under its province (省直辖县级行政单位, e.g. 济源市).
PARENT_LEVELS: dict[str, tuple[str, ...]] = {
    Level.PROVINCE: (),
    Level.CITY: (Level.PROVINCE,),
    Level.COUNTY: (Level.CITY, Level.PROVINCE),
    Level.TOWN: (Level.COUNTY,),
}
# Fields an edit may change besides the parent (the code names a region for good, the level follows it).
EDITABLE = ("name", "short_name")

# Sent inside the moving transaction after the regions' paths changed: ``old_path`` and ``new_path`` are the
# moved region's paths; a receiver rewrites its copies of every path starting with ``old_path`` in one statement.
subtree_moved = Signal()


@dataclass(frozen=True)
class Move:
    old_path: str
    new_path: str
    regions: int  # the moved region and every region below it


def level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def check_code(code: str) -> None:
    if not code.isdigit():
        raise ValidationError("区划代码只能由数字组成")


def check_parent(level: str, parent: Region | None, region: Region | None = None) -> None:
    """Refuse a parent the region cannot have (Chinese messages, as ``ValidationError``)."""
    allowed = PARENT_LEVELS.get(level)
    if allowed is None:
        raise ValidationError(f"未知的区划级别：{level}")
    if not allowed:
        if parent is not None:
            raise ValidationError("省级区划不能有上级区划")
        return
    if parent is None:
        raise ValidationError(f"{level_label(level)}区划必须有上级区划")
    if region is not None and region.pk is not None:
        if parent.pk == region.pk:
            raise ValidationError("不能把区划移到它自己之下")
        if parent.path.startswith(region.path):
            raise ValidationError(f"不能把区划移到它自己的下级区划“{parent.full_name}”之下")
    if parent.level not in allowed:
        above = "或".join(level_label(a) for a in allowed)
        raise ValidationError(f"{level_label(level)}区划的上级必须是{above}区划，“{parent.full_name}”是{level_label(parent.level)}区划")


@transaction.atomic
def create_region(region: Region, *, reason: str, by: AuthedUser | None = None) -> Region:
    """Save a new region under its parent, its path computed (never typed), with a history row."""
    check_code(region.code)
    check_parent(region.level, region.parent)
    parent = Region.objects.select_for_update().get(pk=region.parent_id) if region.parent_id else None
    region.parent = parent
    region.path = f"{parent.path if parent else ''}{region.code}/"
    region.save()
    record_change(region, ChangeRecord.Action.CREATE, after=snapshot(region), reason=reason, user=by)
    return region


def _locked(region: Region, expected_path: str | None) -> Region:
    """The region's row, locked; refused if it moved since the caller read ``expected_path``."""
    current = Region.objects.select_for_update().get(pk=region.pk)
    if expected_path is not None and current.path != expected_path:
        raise ValidationError(f"该区划已被他人移动（现路径 {current.path}），请刷新后重试")
    return current


@transaction.atomic
def edit_region(region: Region, changes: dict[str, Any], *, reason: str, by: AuthedUser | None = None,
                expected_path: str | None = None) -> bool:
    """Apply an edit of the name, short name and parent (a move, ``move_region``); False when nothing differs."""
    unknown = set(changes) - {*EDITABLE, "parent"}
    if unknown:
        raise ValidationError(f"区划的这些字段不能修改：{'、'.join(sorted(unknown))}")
    current = _locked(region, expected_path)
    changed = False
    parent = changes.get("parent", current.parent)
    if (parent.pk if parent else None) != current.parent_id:
        move_region(current, parent, reason=reason, by=by)
        changed = True
    fields = {k: v for k, v in changes.items() if k in EDITABLE and getattr(current, k) != v}
    if fields:
        before = snapshot(current)
        for name, value in fields.items():
            setattr(current, name, value)
        current.save(update_fields=list(fields))
        record_change(current, ChangeRecord.Action.UPDATE, before=before, after=snapshot(current), reason=reason, user=by)
        changed = True
    for name in ("parent", "path", *fields):
        setattr(region, name, getattr(current, name))
    return changed


@transaction.atomic
def move_region(region: Region, new_parent: Region | None, *, reason: str, by: AuthedUser | None = None,
                expected_path: str | None = None) -> Move | None:
    """Move ``region`` and everything below it under ``new_parent``, in one transaction: every path of the
    subtree and every copy of them (``subtree_moved``), one history row. None when the parent is the same."""
    if not reason.strip():
        raise ValidationError("移动区划必须填写原因")
    current = _locked(region, expected_path)
    # Then every region below it and the new parent (its path read once locked): a concurrent move of any waits.
    ids = [current.pk] if new_parent is None else [current.pk, new_parent.pk]
    locked = {r.pk: r for r in Region.objects.select_for_update().filter(Q(path__startswith=current.path) | Q(pk__in=ids)).order_by("pk")}
    parent = locked[new_parent.pk] if new_parent is not None else None
    check_parent(current.level, parent, current)
    if (parent.pk if parent else None) == current.parent_id:
        return None
    old_path, new_path = current.path, f"{parent.path if parent else ''}{current.code}/"
    before = snapshot(current)
    moved = Region.objects.filter(path__startswith=old_path).update(path=repath("path", old_path, new_path))
    Region.objects.filter(pk=current.pk).update(parent=parent)
    subtree_moved.send(sender=Region, old_path=old_path, new_path=new_path)
    current.parent, current.path = parent, new_path
    after = {**snapshot(current), "regions_below": moved - 1}
    record_change(current, ChangeRecord.Action.UPDATE, before=before, after=after, reason=reason, user=by)
    region.parent, region.path = parent, new_path
    return Move(old_path=old_path, new_path=new_path, regions=moved)


def repath(column: str, old_path: str, new_path: str) -> Concat:
    """The SQL value of ``column`` with its leading ``old_path`` replaced by ``new_path`` (for an ``update``)."""
    return Concat(Value(new_path), Substr(column, len(old_path) + 1))
