"""Importing an uploaded ledger sheet: each row compared with the database, then applied in one transaction.

* ``build_preview(sheet, plan=…, region=…, user=…)`` — each row as 新增 / 修改 / 无变化 / 错误;
* ``apply_preview(preview, reason=…, expected=…)`` — writes everything in one transaction through
  ``services.create_task`` / ``services.update_task``.

The sheet is read by ``excel.read_ledger``; the task rules are ``validation``'s.
"""
from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from rectify.accounts.permissions import can
from rectify.core.models import ChangeRecord
from rectify.core.refusals import Refused
from rectify.core.types import AuthedUser
from rectify.core.versioning import StaleEdit
from rectify.core.xlsx import TRUNCATED, clean_text
from rectify.inspections.models import Plan
from rectify.regions.matching import find_unit, normalise_name
from rectify.regions.models import Region, Unit

from . import validation
from .excel import LedgerSheet, SheetRow
from .excel_layout import SECTION_SEPARATOR, format_deadline, format_measures, format_section, format_units, parse_section
from .models import Assignment, Task
from .services import TaskData, TaskRefused, create_task, update_task

# ---------------------------------------------------------------------------------------------
# Comparing with the database
# ---------------------------------------------------------------------------------------------

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STATUS_LABELS = {NEW: "新增", CHANGED: "修改", UNCHANGED: "无变化", ERROR: "错误"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class RowResult:
    row: SheetRow
    status: str = UNCHANGED
    errors: list[str] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    task: Task | None = None
    data: TaskData | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def matched(self) -> tuple[str, int] | None:
        """The task this row changes and the version it was compared against."""
        return (str(self.task.uuid), self.task.version) if self.task is not None else None


@dataclass
class ImportPreview:
    rows: list[RowResult]
    plan: Plan
    region: Region

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {label: self.count(status) for status, label in STATUS_LABELS.items()}

    @property
    def has_errors(self) -> bool:
        return any(r.status == ERROR for r in self.rows)

    @property
    def to_apply(self) -> list[RowResult]:
        return [r for r in self.rows if r.status in (NEW, CHANGED)]

    def matches(self) -> dict[str, tuple[str, int] | None]:
        return {str(r.row.number): r.matched for r in self.rows}


def _task_queryset() -> QuerySet[Task]:
    return Task.objects.select_related("plan__inspection", "region", "parent").prefetch_related(
        "measures", "milestones", Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
    )


def _data_from_task(task: Task) -> TaskData:
    """Like ``services.task_data_from`` but reading only what ``_task_queryset`` prefetched."""
    units: dict[str, list[Unit]] = {}
    for a in sorted(task.assignments.all(), key=lambda a: a.id):
        units.setdefault(a.role, []).append(a.unit)
    return TaskData(
        plan=task.plan, region=task.region, seq=task.seq, feedback_no=task.feedback_no, section=list(task.section),
        title=task.title, problem=task.problem, target=task.target, responsible_person=task.responsible_person,
        deadline=task.deadline, deadline_text=task.deadline_text, long_term=task.long_term, priority=task.priority,
        progress=task.progress, completion=task.completion, parent=task.parent,
        measures=[m.text for m in task.measures.all()], milestones=[(m.date, m.text) for m in task.milestones.all()],
        units=units,
    )


_normalised = lru_cache(maxsize=8192)(normalise_name)


class _UnitFinder:
    """``find_unit`` with a cache, trying a task's own units first (they may lie outside its region's ancestors)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, int], Unit | None] = {}

    def find(self, name: str, region: Region, current: Iterable[Unit] = ()) -> Unit | None:
        wanted = _normalised(name)
        for unit in current:
            if wanted in {_normalised(n) for n in [unit.name, *unit.aliases]}:
                return unit
        key = (wanted, region.pk)
        if key not in self.cache:
            self.cache[key] = find_unit(name, region)
        return self.cache[key]


TEXT_FIELDS = [("序号", "seq"), ("反馈问题", "problem"), ("整改任务", "title"), ("整改目标", "target"),
               ("责任人", "responsible_person"), ("进展情况", "progress")]


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _match_key(plan_id: int, section: str | None, seq: str) -> tuple[int, str | None, str]:
    return (plan_id, section, seq)


class _Matcher:
    """Finds the task a sheet row names (by 系统编号, else by 章节 and 序号 in the plan) and what the caller may do to it."""

    def __init__(self, sheet: LedgerSheet, plan: Plan, user: AuthedUser) -> None:
        self.plan = plan
        self.by_section = "章节" in sheet.columns
        uuids = {r.task_uuid for r in sheet.rows if r.task_uuid}
        seqs = {r.seq for r in sheet.rows if r.seq and not r.task_uuid}
        self.by_uuid: dict[uuid_lib.UUID, Task] = {}
        if uuids:
            self.by_uuid = {t.uuid: t for t in _task_queryset().filter(uuid__in=uuids)}
        self.by_key: dict[tuple[int, str | None, str], list[Task]] = {}
        if seqs:
            for t in _task_queryset().filter(plan=plan, seq__in=seqs):
                section = format_section(t.section) if self.by_section else None
                self.by_key.setdefault(_match_key(t.plan_id, section, t.seq), []).append(t)
        candidate_ids = {t.pk for t in self.by_uuid.values()} | {t.pk for ts in self.by_key.values() for t in ts}
        self.editable_ids = _ids_in(Task.objects.editable_by(user), candidate_ids)
        self.readable_ids = _ids_in(Task.objects.visible_to(user), candidate_ids)
        self.seen_keys: dict[tuple[int, str | None, str], int] = {}
        self.seen_tasks: dict[int, int] = {}

    def read_only(self, task: Task) -> bool:
        return task.pk in self.readable_ids and task.pk not in self.editable_ids

    def by_task_uuid(self, row: SheetRow, result: RowResult) -> Task | None:
        task = self.by_uuid.get(row.task_uuid) if row.task_uuid else None
        if task is None or task.pk not in self.editable_ids:
            result.errors.append(f"系统编号 {row.task_uuid} 对应的任务不存在或不在您可修改的范围内")
            return None
        return task

    def by_seq(self, row: SheetRow, result: RowResult) -> Task | None:
        key = _match_key(self.plan.pk, row.section if self.by_section else None, row.seq)
        found = self.by_key.get(key, [])
        where = f"章节“{row.section or '（无）'}”中" if self.by_section else ""
        task: Task | None = None
        if len(found) > 1:
            result.errors.append(f"方案“{self.plan.title}”{where}有 {len(found)} 项序号为 {row.seq} 的任务，请填写系统编号以区分")
        elif found:
            task = found[0]
            if task.pk not in self.editable_ids:
                result.errors.append(f"方案中序号为 {row.seq} 的任务不在您可修改的范围内")
                task = None
        elif key in self.seen_keys:
            result.errors.append(f"序号 {row.seq} 与第 {self.seen_keys[key]} 行重复（{where or '同一方案中'}序号相同的新任务无法区分，请改序号或填写章节）")
        self.seen_keys.setdefault(key, row.number)
        return task

    def found(self, row: SheetRow) -> Task | None:
        """The existing task the row names, before any check (None for a new row)."""
        if row.task_uuid:
            return self.by_uuid.get(row.task_uuid)
        if row.seq:
            found = self.by_key.get(_match_key(self.plan.pk, row.section if self.by_section else None, row.seq), [])
            return found[0] if len(found) == 1 else None
        return None

    def claim(self, task: Task, row: SheetRow, result: RowResult) -> None:
        """Two rows must not change the same task."""
        if task.pk in self.seen_tasks:
            result.errors.append(f"与第 {self.seen_tasks[task.pk]} 行对应同一项任务")
        self.seen_tasks.setdefault(task.pk, row.number)


def build_preview(sheet: LedgerSheet, *, plan: Plan, region: Region, user: AuthedUser) -> ImportPreview:
    """Each row compared with the ledger: what importing it would do, or why it cannot be imported.

    A row with a 系统编号 changes that task (of whatever plan) if ``user`` may edit it. A row without one
    matches the task of ``plan`` with its 章节 (when the sheet has that column) and 序号, or is new: new
    tasks go to ``plan`` and ``region`` (where their unit names are looked up), which must lie inside the
    caller's write scope. Repeated 序号 are legal (numbering restarts in each section).
    """
    matcher = _Matcher(sheet, plan, user)
    creatable = can(user, "region.write", region) and can(user, "region.write", plan.region)
    finder = _UnitFinder()
    results = [_preview_row(row, matcher, finder, sheet.columns, region=region, creatable=creatable) for row in sheet.rows]
    return ImportPreview(rows=results, plan=plan, region=region)


def _preview_row(row: SheetRow, matcher: _Matcher, finder: _UnitFinder, columns: set[str], *, region: Region,
                 creatable: bool) -> RowResult:
    result = RowResult(row=row, errors=list(row.errors))
    existing = matcher.found(row)
    if existing is not None and matcher.read_only(existing):
        _read_only_row(result, existing, columns, finder)
        return result
    task: Task | None = None
    if row.task_uuid:
        task = matcher.by_task_uuid(row, result)
    elif row.seq:
        task = matcher.by_seq(row, result)
    if task is not None:
        matcher.claim(task, row, result)
        result.task = task
        _compare(result, task, columns, finder)
    elif not row.task_uuid:
        if not creatable and not result.errors:
            result.errors.append(f"您没有在“{region.full_name}”新增任务的权限（只读角色不能导入新任务），全部未导入")
        _new(result, matcher.plan, region, columns, finder)
    if result.errors:
        result.status = ERROR
    return result


def _ids_in(tasks: QuerySet[Task], ids: set[int]) -> set[int]:
    return set(tasks.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def _read_only_row(result: RowResult, task: Task, columns: set[str], finder: _UnitFinder) -> None:
    """A task the caller may see but not change (e.g. as leader of another region): fine while unchanged."""
    _compare(result, task, columns, finder)
    changed = [c.label for c in result.changes]
    result.task, result.data, result.changes = None, None, []
    if changed:
        result.errors.append(f"您对该任务只有查看权限，不能修改（本行改动了：{'、'.join(changed)}）")
    result.status = ERROR if result.errors else UNCHANGED


def _resolve_units(result: RowResult, region: Region, finder: _UnitFinder, current: Iterable[Unit] = ()) -> dict[str, list[Unit]]:
    current = list(current)
    units: dict[str, list[Unit]] = {}
    missing: list[str] = []
    for role, pairs in result.row.unit_pairs.items():
        found, unknown = validation.resolve_units(pairs, region, lambda name, r: finder.find(name, r, current))
        missing += unknown
        units.setdefault(role, []).extend(u for u in found if u not in units[role])
    if missing:
        result.errors.append(validation.unknown_units_message(missing))
    return {role: us for role, us in units.items() if us}


def _new(result: RowResult, plan: Plan, region: Region, columns: set[str], finder: _UnitFinder) -> None:
    row = result.row
    result.status = NEW
    units = _resolve_units(result, region, finder)
    checked = validation.Checked({}, {"units": list(result.errors)})
    validation.check_task(
        checked, title=row.title, problem=row.problem, target=row.target, deadline=row.deadline.date,
        long_term=row.deadline.long_term, units=units, need_deadline=not any("整改时限" in e for e in result.errors),
    )
    result.errors = checked.messages()
    result.data = TaskData(
        plan=plan, region=region, seq=row.seq, problem=row.problem, title=row.title, target=row.target,
        responsible_person=row.responsible_person, deadline=row.deadline.date, deadline_text=row.deadline.text,
        long_term=row.deadline.long_term, progress=row.progress, measures=row.measures, units=units,
        section=parse_section(row.section) if "章节" in columns else [], priority=bool(row.priority) if "重点" in columns else False,
    )


def _measure_key(text: str) -> str:
    """A stored measure as it reads back from a cell (each line stripped)."""
    return "\n".join(line.strip() for line in clean_text(text).split("\n"))


def _unit_text(units: dict[str, list[Unit]]) -> str:
    return format_units((role, u.name) for role, us in units.items() for u in us)


def _compare(result: RowResult, task: Task, columns: set[str], finder: _UnitFinder) -> None:
    """What importing the row would change in ``task``: ``result.data`` (the task as it would be) and ``result.changes``."""
    data = _data_from_task(task)
    changes = [change for compare in _COMPARERS for change in compare(result, task, data, columns, finder)]
    if (data.seq, data.section) != (task.seq, task.section) and not result.errors:
        _check_seq_clash(result, task, data)
    result.data = data
    result.changes = changes
    result.status = CHANGED if changes else UNCHANGED


def _compare_texts(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    changes = []
    for label, name in TEXT_FIELDS:
        if label not in columns:
            continue
        old, new = getattr(task, name), getattr(result.row, name)
        if clean_text(old) != new and not new.endswith(TRUNCATED):  # a cut cell leaves the field as it is
            setattr(data, name, new)
            changes.append(FieldChange(label, _short(clean_text(old)) or "（空）", _short(new) or "（空）"))
    return changes


def _compare_measures(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    row = result.row
    if "整改措施" not in columns:
        return []
    old_measures = [_measure_key(m) for m in data.measures]
    if old_measures == row.measures or (row.measures and row.measures[-1].endswith(TRUNCATED)):
        return []
    data.measures = list(row.measures)
    return [FieldChange("整改措施", _short(format_measures(old_measures)) or "（空）", _short(format_measures(row.measures)) or "（空）")]


def _compare_units(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    if "责任单位" not in columns:
        return []
    current = [u for us in data.units.values() for u in us]
    units = _resolve_units(result, task.region, finder, current)
    old_keys = sorted((u.pk, role) for role, us in data.units.items() for u in us)
    new_keys = sorted({(u.pk, role) for role, us in units.items() for u in us})
    if old_keys == new_keys:
        return []
    if not units.get(Assignment.Role.LEAD) and not units.get(Assignment.Role.RESPONSIBLE) and not result.errors:
        result.errors.append(validation.NEED_UNIT)
    change = FieldChange("责任单位", _unit_text(data.units) or "（空）", _unit_text(units) or "（空）")
    data.units = units
    return [change]


def _compare_deadline(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    row = result.row
    if "整改时限" not in columns or any("整改时限" in e for e in row.errors):
        return []
    old_pair = (task.deadline, task.long_term)
    new_pair = (row.deadline.date, row.deadline.long_term)
    if old_pair == new_pair:
        return []
    if new_pair == (None, False):
        result.errors.append(validation.NEED_DEADLINE)
    data.deadline, data.long_term, data.deadline_text = row.deadline.date, row.deadline.long_term, row.deadline.text
    return [FieldChange("整改时限", format_deadline(*old_pair) or "（空）", format_deadline(*new_pair) or "（空）")]


def _compare_section(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    row = result.row
    if "章节" not in columns or format_section(task.section) == row.section:
        return []
    data.section = parse_section(row.section)
    return [FieldChange("章节", _short(format_section(task.section)) or "（空）", _short(row.section) or "（空）")]


def _compare_priority(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    row = result.row
    if "重点" not in columns or row.priority is None or row.priority == task.priority:
        return []
    data.priority = row.priority
    return [FieldChange("重点", "是" if task.priority else "否", "是" if row.priority else "否")]


def _check_seq_clash(result: RowResult, task: Task, data: TaskData) -> None:
    """A changed 序号 or 章节 must not collide with another task of the same section of the plan
    (repeated 序号 in different sections are legal)."""
    section_title = SECTION_SEPARATOR.join(data.section)[:200]
    others = Task.objects.filter(plan_id=task.plan_id, seq=data.seq, section_title=section_title).exclude(pk=task.pk)
    if others.exists():
        where = f"章节“{section_title}”中" if section_title else ""
        result.errors.append(f"方案{where}已有序号为 {data.seq} 的另一项任务")


_COMPARERS = (_compare_texts, _compare_measures, _compare_units, _compare_deadline, _compare_section, _compare_priority)


# ---------------------------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------------------------


class ImportRefused(Refused):
    """The import cannot be applied; nothing was written."""


def stale_rows(preview: ImportPreview, expected: dict[str, Any]) -> list[str]:
    """Rows whose task changed (or appeared / went away) since the preview the person confirmed."""
    problems = []
    for r in preview.rows:
        seen = expected.get(str(r.row.number))
        seen = tuple(seen) if seen else None
        now = r.matched
        if seen != now:
            if seen and now and seen[0] == now[0]:
                problems.append(f"第 {r.row.number} 行：{StaleEdit(now[1])}")
            else:
                problems.append(f"第 {r.row.number} 行：对应的任务在预览之后发生了变化，请重新上传文件预览。")
    if set(expected) - {str(r.row.number) for r in preview.rows}:
        problems.append("文件内容与预览时不一致，请重新上传。")
    return problems


def apply_preview(preview: ImportPreview, *, reason: str, expected: dict[str, Any] | None = None) -> tuple[int, int]:
    """Write every new and changed row in one transaction; returns (created, updated).

    ``expected`` maps row numbers to the (task uuid, version) shown in the preview: a task changed
    since then refuses the whole import with the ``StaleEdit`` message. Raises ``ImportRefused``.
    """
    if preview.has_errors:
        raise ImportRefused("表格中有错误，全部未导入。请改正后重新上传。")
    if expected is not None:
        problems = stale_rows(preview, expected)
        if problems:
            raise ImportRefused("\n".join(problems))
    created = updated = 0
    row = 0
    try:
        with transaction.atomic():
            for r in preview.to_apply:
                assert r.data is not None  # noqa: S101 - narrowing only: to_apply holds rows with data
                row = r.row.number
                if r.task is None:
                    create_task(r.data, reason=reason, action=ChangeRecord.Action.IMPORT)
                    created += 1
                else:
                    version = int(expected[str(r.row.number)][1]) if expected else r.task.version
                    if update_task(r.task, r.data, expected_version=version, reason=reason):
                        updated += 1
    except StaleEdit as exc:
        raise ImportRefused(f"{exc}（全部未导入）") from exc
    except TaskRefused as exc:
        raise ImportRefused(f"第 {row} 行：{exc}（全部未导入）") from exc
    return created, updated
