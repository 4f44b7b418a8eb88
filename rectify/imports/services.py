"""Importing plan documents into the ledger, shared by the web pages and the ``import_documents`` command.

The flow is: ``start_import`` (read the bytes with ``ingest``, keep the file, store an
``ImportBatch`` in state *previewed*) → ``build_preview`` (what would be written: tasks, units
matched or new, changes against an earlier version of the same plan, problems per task) →
``apply_import`` (one transaction: inspection, plan, units, tasks through
``rectify.tasks.services``) or ``cancel_import``. Views and the command only parse and check.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser
from rectify.core.versioning import StaleEdit, save_versioned
from rectify.inspections.models import Inspection, Plan
from rectify.regions.matching import normalise_name
from rectify.regions.models import Region, Unit
from rectify.tasks.services import TaskData, create_task, task_data_from, update_task

from .matching import (
    INSPECTION_DATES,
    UnitMatch,
    UnitMatcher,
    _ancestor_names,
    _inspections_over,
    check_write_region,
    create_unit,
    find_duplicate,
    find_inspection,
    find_plan,
    inspection_agrees,
    inspection_facts,
    inspection_lookalike,
    inspection_summary,
    regions_named,
    resolve_region,
    write_regions,
)
from .models import ImportBatch
from .preview import (
    Preview,
    TaskPreview,
    _deadline_display,
    _match_existing,
    _milestone_pairs,
    _plain_values,
    _show,
    _unit_names,
    build_preview,
    diff_task,
)
from .reading import (
    ALLOWED_EXTENSIONS,
    COMPARATOR_LABELS,
    GENERIC_PARSE_ERROR,
    IMPORTABLE_KINDS,
    KIND_LABELS,
    LEVEL_LABELS,
    MAX_SIZE,
    ROLE_FIELDS,
    ROLE_LABELS,
    STAT_LABELS,
    DuplicateDocument,
    ImportFailed,
    _date,
    _ingest,
    _text,
    _texts,
    check_file,
    content_hash,
    normalise_parsed,
    normalise_task,
    parse_document,
    row_gaps,
    split_units,
    validate_row,
)

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- batches


def remaining_part(parsed: dict[str, Any], duplicate: DuplicateDocument) -> dict[str, Any]:
    """A document imported before, reduced to the tasks not yet in the ledger (say, skipped last time).

    Raises ``duplicate`` when every task is there already: nothing is added a second time.
    """
    plan = duplicate.plan
    rows = list(parsed.get("tasks") or [])
    if plan is None:
        raise duplicate
    existing = _match_existing(plan, rows)
    remaining = [{**row, "skip": False} for index, row in enumerate(rows) if index not in existing]
    if not remaining:
        raise duplicate
    return {**parsed, "tasks": remaining, "resumed": {"plan": plan.pk, "in_ledger": len(existing), "total": len(rows)}}


def _store_file(batch: ImportBatch, data: bytes) -> None:
    path = batch.file_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def start_import(
    data: bytes,
    filename: str,
    *,
    user: AuthedUser | None = None,
    region: Region | None = None,
    regions: QuerySet[Region] | None = None,
) -> ImportBatch:
    """Read a document and keep it as a batch awaiting confirmation.

    ``region`` is where it goes; without one it is taken from the document's own region name,
    looked up within ``regions`` (the caller's scope). Raises ``DuplicateDocument`` for bytes
    imported before and ``ImportFailed`` for anything unreadable: no plan, task or unit is
    written, only a *failed* batch row for the audit trail.
    """
    filename = PurePath(filename or "").name or "未命名文件"
    digest = content_hash(data) if data else ""
    actor = user
    if actor is not None:
        check_write_region(actor, region)
        regions = write_regions(actor) if regions is None else regions.filter(Region.objects.editable_q(actor))
    try:
        parsed = parse_document(data, filename)
    except ImportFailed as exc:
        batch = ImportBatch(
            filename=filename[:255], content_hash=digest, size=len(data), uploaded_by=actor, region=region,
            status=ImportBatch.Status.FAILED, error=exc.message,
        )
        if data and len(data) <= MAX_SIZE:
            _store_file(batch, data)
        batch.save()
        raise
    duplicate = find_duplicate(digest) if digest else None
    if duplicate is not None:
        parsed = remaining_part(parsed, duplicate)
        if region is None and duplicate.plan is not None:
            region = duplicate.plan.region
            check_write_region(actor, region)
    if region is None:
        region = resolve_region(parsed.get("region"), regions)
    check_write_region(actor, region)
    batch = ImportBatch(
        filename=filename[:255], content_hash=digest, size=len(data), uploaded_by=actor, region=region,
        status=ImportBatch.Status.PREVIEWED, parsed=parsed,
    )
    _store_file(batch, data)
    try:
        batch.save()
    except Exception:
        batch.file_path.unlink(missing_ok=True)
        raise
    return batch


def save_edits(batch: ImportBatch, rows: dict[int, dict[str, Any]]) -> None:
    """Replace the tasks at the given positions (0-based) of a previewed batch's parsed JSON."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.PREVIEWED:
            raise ImportFailed(f"该导入{locked.get_status_display()}，不能再修改。")
        parsed = dict(locked.parsed or {})
        tasks = list(parsed.get("tasks") or [])
        for index, row in rows.items():
            if 0 <= index < len(tasks):
                tasks[index] = row
        parsed["tasks"] = tasks
        locked.parsed = parsed
        locked.save(update_fields=["parsed"])
    batch.parsed = parsed


def cancel_import(batch: ImportBatch) -> None:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.PREVIEWED:
            raise ImportFailed(f"该导入{locked.get_status_display()}，不能取消。")
        locked.status = ImportBatch.Status.CANCELLED
        locked.save(update_fields=["status"])
    batch.status = ImportBatch.Status.CANCELLED


# --------------------------------------------------------------------------- apply


@dataclass
class ImportResult:
    batch: ImportBatch
    plan: Plan
    inspection: Inspection | None
    plan_created: bool = False
    inspection_created: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    incomplete: int = 0
    units_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"新增任务 {self.created} 项"]
        if self.updated or self.unchanged:
            parts.append(f"修改 {self.updated} 项")
            parts.append(f"无变化 {self.unchanged} 项")
        if self.skipped:
            parts.append(f"跳过 {self.skipped} 项")
        if self.incomplete:
            parts.append(f"待完善 {self.incomplete} 项（缺少整改时限或责任单位，已在台账中标出）")
        parts.append(f"新建单位 {len(self.units_created)} 个")
        plan_text = "新建方案" if self.plan_created else "更新方案"
        return f"导入完成（{plan_text}“{self.plan.title}”）：" + "，".join(parts) + "。"


def _get_or_create_inspection(facts: dict[str, Any], region: Region, reason: str) -> tuple[Inspection, bool]:
    found = find_inspection(facts, region)
    if found:
        return found, False
    inspection = Inspection.objects.create(target_region=region, **facts)
    record_change(inspection, ChangeRecord.Action.IMPORT, after=snapshot(inspection), reason=reason)
    return inspection, True


def _plan_values(parsed: dict[str, Any], filename: str, digest: str) -> dict[str, Any]:
    period = parsed.get("period") or {}

    def year(key: str) -> int | None:
        try:
            value = int(period.get(key))  # type: ignore[arg-type]  # None and junk end in the except
        except (TypeError, ValueError):
            return None
        return value if 1900 <= value <= 2200 else None

    return {
        "kind": parsed.get("kind"), "source_document": filename[:200], "source_hash": digest[:64],
        "period_start": year("start_year"), "period_end": year("end_year"),
    }


def _get_or_create_plan(
    parsed: dict[str, Any], region: Region, inspection: Inspection | None, filename: str, digest: str, reason: str
) -> tuple[Plan, bool]:
    values = _plan_values(parsed, filename, digest)
    plan = find_plan(parsed, region)
    if plan is None:
        plan = Plan.objects.create(region=region, inspection=inspection, title=_text(parsed.get("title"))[:200], **values)
        record_change(plan, ChangeRecord.Action.IMPORT, after=snapshot(plan), reason=reason)
        return plan, True
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    before = snapshot(plan)
    if plan.inspection_id is None and inspection is not None:
        values["inspection"] = inspection
    for name, value in values.items():
        setattr(plan, name, value)
    save_versioned(plan, plan.version, list(values))
    record_change(plan, ChangeRecord.Action.UPDATE, before=before, after=snapshot(plan), reason=reason)
    return plan, False


def _task_data(row: dict[str, Any], plan: Plan, region: Region, units: dict[str, list[Unit]]) -> dict[str, Any]:
    values = _plain_values(row)
    values.update(plan=plan, region=region, units=units)
    return values


def first_errors(preview: Preview) -> str:
    bad = [t for t in preview.tasks if t.errors and not t.skip]
    if not bad:
        return ""
    lines = [f"第 {t.index + 1} 项（序号 {t.row.get('seq') or '—'}）：{'；'.join(t.error_list)}" for t in bad[:5]]
    more = f"等 {len(bad)} 项" if len(bad) > 5 else ""
    return "以下任务需要先修改或选择不导入" + more + "：" + " ".join(lines)


def apply_import(batch: ImportBatch, *, user: AuthedUser | None = None, expected_versions: dict[int, int] | None = None) -> ImportResult:  # noqa: C901 - one transaction from confirm to counts, read top to bottom; what it reads and matches lives in reading.py and matching.py
    """Write a previewed batch into the ledger in one transaction; any failure leaves nothing behind."""
    expected_versions = expected_versions or {}
    actor = user
    reason = f"导入文档：{batch.filename}"[:500]
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != ImportBatch.Status.PREVIEWED:
                raise ImportFailed(f"该导入{locked.get_status_display()}，不能再次确认。")
            if locked.region_id is None:
                raise ImportFailed("没有指定导入区划。")
            # One import into a region at a time: two people confirming versions of the same plan
            # would otherwise both create it.
            region = Region.objects.select_for_update().get(pk=locked.region_id)
            check_write_region(actor, region)
            parsed = locked.parsed or {}
            preview = build_preview(parsed, region, locked.content_hash)
            if preview.duplicate:
                raise preview.duplicate
            if preview.blockers:
                raise ImportFailed(" ".join(preview.blockers))
            errors = first_errors(preview)
            if errors:
                raise ImportFailed(errors)
            try:
                with transaction.atomic():
                    confirmed = ImportBatch.objects.filter(content_hash=locked.content_hash, status=ImportBatch.Status.CONFIRMED)
                    locked.part = confirmed.count() + 1 if locked.content_hash else 1
                    locked.status = ImportBatch.Status.CONFIRMED
                    locked.save(update_fields=["status", "part"])
            except IntegrityError:
                duplicate = find_duplicate(locked.content_hash)
                raise duplicate or ImportFailed("该文档已经导入，重复导入不会新增任务。") from None

            inspection, inspection_created = None, False
            if preview.inspection_facts:
                inspection, inspection_created = _get_or_create_inspection(preview.inspection_facts, region, reason)
            plan, plan_created = _get_or_create_plan(parsed, region, inspection, locked.filename, locked.content_hash, reason)
            result = ImportResult(
                batch=locked, plan=plan, inspection=plan.inspection, plan_created=plan_created,
                inspection_created=inspection_created,
            )
            unit_cache: dict[str, Unit] = {}

            def unit_for(match: UnitMatch) -> Unit:
                key = normalise_name(match.name)
                if key not in unit_cache:
                    unit = match.unit
                    if unit is None:
                        unit = create_unit(match, region)
                        result.units_created.append(unit.name)
                    unit_cache[key] = unit
                return unit_cache[key]

            for tp in preview.tasks:
                if tp.skip:
                    result.skipped += 1
                    continue
                if tp.gaps:
                    result.incomplete += 1
                units = {role: list(dict.fromkeys(unit_for(m) for m in matches)) for role, matches in tp.units.items()}
                values = _task_data(tp.row, plan, region, units)
                if tp.existing is not None:
                    task = tp.existing
                    data = task_data_from(task, **values)
                    expected = expected_versions.get(tp.index, task.version)
                    try:
                        changed = update_task(task, data, expected_version=expected, reason=reason, action=ChangeRecord.Action.IMPORT)
                    except StaleEdit:
                        raise ImportFailed(
                            f"任务“{task.seq}”在预览之后已被他人修改，为避免覆盖，本次没有导入任何内容。请重新打开预览核对后再确认。"
                        ) from None
                    if changed:
                        result.updated += 1
                    else:
                        result.unchanged += 1
                else:
                    create_task(TaskData(**values), reason=reason, action=ChangeRecord.Action.IMPORT)
                    result.created += 1

            locked.plan = plan
            locked.confirmed_at = timezone.now()
            locked.confirmed_by = actor
            locked.counts = {
                "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                "skipped": result.skipped, "incomplete": result.incomplete, "units_created": len(result.units_created),
                "plan_created": plan_created, "inspection_created": inspection_created,
            }
            locked.error = ""
            locked.save(update_fields=["plan", "confirmed_at", "confirmed_by", "counts", "error"])
    except ImportFailed:
        raise
    except Exception:
        logger.exception("import of batch %s failed", batch.uuid)
        raise ImportFailed("导入时出现意外错误，已全部撤销，台账没有任何改动。请稍后重试或联系管理员。") from None
    batch.status = locked.status
    batch.plan = plan
    batch.counts = locked.counts
    batch.confirmed_at = locked.confirmed_at
    return result


# The import flow's names stay importable from here (views, forms, the command, tests).
__all__ = [
    "ALLOWED_EXTENSIONS",
    "COMPARATOR_LABELS",
    "DuplicateDocument",
    "GENERIC_PARSE_ERROR",
    "IMPORTABLE_KINDS",
    "INSPECTION_DATES",
    "ImportFailed",
    "ImportResult",
    "KIND_LABELS",
    "LEVEL_LABELS",
    "MAX_SIZE",
    "Preview",
    "ROLE_FIELDS",
    "ROLE_LABELS",
    "STAT_LABELS",
    "TaskPreview",
    "UnitMatch",
    "UnitMatcher",
    "_ancestor_names",
    "_date",
    "_deadline_display",
    "_ingest",
    "_inspections_over",
    "_match_existing",
    "_milestone_pairs",
    "_plain_values",
    "_show",
    "_text",
    "_texts",
    "_unit_names",
    "apply_import",
    "build_preview",
    "cancel_import",
    "check_file",
    "check_write_region",
    "content_hash",
    "create_unit",
    "diff_task",
    "find_duplicate",
    "find_inspection",
    "find_plan",
    "first_errors",
    "inspection_agrees",
    "inspection_facts",
    "inspection_lookalike",
    "inspection_summary",
    "normalise_parsed",
    "normalise_task",
    "parse_document",
    "regions_named",
    "remaining_part",
    "resolve_region",
    "row_gaps",
    "save_edits",
    "split_units",
    "start_import",
    "validate_row",
    "write_regions",
]
