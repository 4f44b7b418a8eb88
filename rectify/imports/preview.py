"""The preview of an import: what would be written, task by task, before anyone confirms it."""
from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Region
from rectify.tasks.models import Task

from .matching import (
    UnitMatch,
    UnitMatcher,
    find_duplicate,
    find_inspection,
    find_plan,
    inspection_facts,
    inspection_lookalike,
    regions_named,
)
from .reading import (
    COMPARATOR_LABELS,
    IMPORTABLE_KINDS,
    KIND_LABELS,
    ROLE_FIELDS,
    ROLE_LABELS,
    STAT_LABELS,
    DuplicateDocument,
    _date,
    _text,
    row_gaps,
    validate_row,
)

logger = logging.getLogger(__name__)



@dataclass
class TaskPreview:
    index: int
    row: dict[str, Any]
    units: dict[str, list[UnitMatch]]
    errors: dict[str, list[str]]
    existing: Task | None = None
    change: str = ""  # "", "new", "changed", "same"
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # imported all the same, flagged 待完善

    @property
    def needs_completion(self) -> bool:
        return bool(self.gaps) and not self.skip

    @property
    def skip(self) -> bool:
        return bool(self.row.get("skip"))

    @property
    def change_label(self) -> str:
        return {"new": "新增", "changed": "修改", "same": "无变化"}.get(self.change, "")

    @property
    def error_list(self) -> list[str]:
        return [m for messages in self.errors.values() for m in messages]

    def unit_groups(self) -> list[tuple[str, list[UnitMatch]]]:
        return [(ROLE_LABELS[role], self.units.get(role, [])) for role in ROLE_FIELDS.values()]


@dataclass
class Preview:
    parsed: dict[str, Any]
    region: Region
    tasks: list[TaskPreview]
    blockers: list[str]
    warnings: list[str]
    duplicate: DuplicateDocument | None
    existing_plan: Plan | None
    inspection: Inspection | None
    inspection_facts: dict[str, Any] | None
    orphans: list[Task]
    inspection_lookalike: Inspection | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.parsed.get("kind") or "", self.parsed.get("kind") or "—")

    @property
    def can_import(self) -> bool:
        return not self.blockers and not self.duplicate and not any(t.errors for t in self.tasks)

    @property
    def unparsed(self) -> list[dict[str, Any]]:
        return list(self.parsed.get("unparsed") or [])

    def stats_rows(self) -> list[tuple[str, Any]]:
        """The document's stated counts as (Chinese label, value)."""
        stats = self.parsed.get("stats") or {}
        return [(STAT_LABELS.get(key, "其他统计数"), value) for key, value in stats.items()]

    def indicator_rows(self) -> list[dict[str, Any]]:
        """The indicators with their comparator in Chinese."""
        rows = []
        for item in self.parsed.get("indicators") or []:
            comparator = _text(item.get("comparator"))
            rows.append({**item, "comparator_label": COMPARATOR_LABELS.get(comparator, "其他要求" if comparator else "—")})
        return rows

    def units(self) -> tuple[list[str], list[str]]:
        """Names of matched and of new units over the tasks to import."""
        matched: dict[str, None] = {}
        new: dict[str, None] = {}
        for t in self.tasks:
            if t.skip:
                continue
            for matches in t.units.values():
                for m in matches:
                    (new if m.is_new else matched)[m.final_name] = None
        return list(matched), list(new)

    def counts(self) -> dict[str, int]:
        matched, new = self.units()
        active = [t for t in self.tasks if not t.skip]
        return {
            "tasks": len(self.tasks),
            "skipped": len(self.tasks) - len(active),
            "new": sum(1 for t in active if t.change in ("new", "")),
            "changed": sum(1 for t in active if t.change == "changed"),
            "same": sum(1 for t in active if t.change == "same"),
            "units_matched": len(matched),
            "units_new": len(new),
            "invalid": sum(1 for t in active if t.errors),
            "incomplete": sum(1 for t in active if t.gaps),
        }


def _unit_names(task: Task, role: str) -> list[str]:
    return sorted(a.unit.name for a in task.assignments.all() if a.role == role)


def _show(value: Any) -> str:
    if value in (None, "", []):
        return "（空）"
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _milestone_pairs(row: dict[str, Any]) -> list[tuple[datetime.date | None, str]]:
    return [(_date(m.get("date")), _text(m.get("text"))) for m in row.get("milestones") or []]


def _deadline_display(deadline: Any, long_term: bool) -> str:
    if long_term:
        return "长期坚持" + (f"（{deadline}）" if deadline else "")
    return str(deadline) if deadline else "（空）"


def diff_task(task: Task, row: dict[str, Any], units: dict[str, list[UnitMatch]]) -> list[tuple[str, str, str]]:
    """(field label, old, new) for each field the import would change on ``task``."""
    values = _plain_values(row)
    changes: list[tuple[str, str, str]] = []
    simple = [
        ("feedback_no", "反馈问题序号"), ("section", "所属章节"), ("title", "任务名称"), ("problem", "反馈问题"),
        ("target", "整改目标"), ("responsible_person", "责任人"), ("deadline_text", "时限原文"),
    ]
    for name, label in simple:
        old, new = getattr(task, name), values[name]
        if old != new:
            changes.append((label, _show(old), _show(new)))
    if task.deadline != values["deadline"] or task.long_term != values["long_term"]:
        changes.append(("整改时限", _deadline_display(task.deadline, task.long_term), _deadline_display(values["deadline"], values["long_term"])))
    old_measures = [m.text for m in task.measures.all()]
    if old_measures != values["measures"]:
        changes.append(("整改措施", _show(old_measures), _show(values["measures"])))
    old_ms = [(m.date, m.text) for m in task.milestones.all()]
    new_ms = values["milestones"]
    if old_ms != new_ms:
        def fmt(ms: Iterable[tuple[datetime.date | None, str]]) -> list[str]:
            return [f"{d.isoformat() if d else '—'} {t}" for d, t in ms]
        changes.append(("时间节点", _show(fmt(old_ms)), _show(fmt(new_ms))))
    for role in ROLE_FIELDS.values():
        old_names = _unit_names(task, role)
        new_names = sorted({m.final_name for m in units.get(role, [])})
        if old_names != new_names:
            changes.append((ROLE_LABELS[role], "、".join(old_names) or "（空）", "、".join(new_names) or "（空）"))
    return changes


def _plain_values(row: dict[str, Any]) -> dict[str, Any]:
    """The Task field values a row stands for (after validation)."""
    return {
        "seq": _text(row.get("seq"))[:20],
        "feedback_no": _text(row.get("feedback_no"))[:20],
        "section": [s[:200] for s in row.get("section") or []],
        "title": _text(row.get("title"))[:200],
        "problem": _text(row.get("problem")),
        "target": _text(row.get("target")),
        "responsible_person": _text(row.get("responsible_person"))[:120],
        "deadline": _date(row.get("deadline")),
        "deadline_text": _text(row.get("deadline_text"))[:60],
        "long_term": bool(row.get("long_term")),
        "measures": list(row.get("measures") or []),
        "milestones": _milestone_pairs(row),
    }


def _match_existing(plan: Plan | None, rows: list[dict[str, Any]]) -> dict[int, Task]:
    """Existing tasks of ``plan`` paired with rows by seq (the n-th of a seq with the n-th)."""
    if plan is None:
        return {}
    by_seq: dict[str, list[Task]] = {}
    tasks = plan.tasks.filter(parent__isnull=True).prefetch_related("measures", "milestones", "assignments__unit").order_by("id")
    for task in tasks:
        by_seq.setdefault(task.seq, []).append(task)
    result: dict[int, Task] = {}
    for index, row in enumerate(rows):
        bucket = by_seq.get(_text(row.get("seq"))[:20])
        if bucket:
            result[index] = bucket.pop(0)
    return result


def build_preview(parsed: dict[str, Any], region: Region, digest: str = "") -> Preview:  # noqa: C901 - one preview read top to bottom; its matching and reading now live in matching.py and reading.py
    rows = list(parsed.get("tasks") or [])
    blockers: list[str] = []
    warnings: list[str] = []
    kind = parsed.get("kind") or ""
    if kind not in IMPORTABLE_KINDS:
        blockers.append(f"这份文档是“{KIND_LABELS.get(kind, kind)}”，不是整改方案或行动计划，不能导入台账。")
    if not rows:
        blockers.append("文档中没有识别出整改任务。")
    elif all(r.get("skip") for r in rows):
        blockers.append("所有任务都选择了不导入。")
    if not _text(parsed.get("title")):
        blockers.append("文档没有识别出标题，无法建立整改方案。")
    doc_region = parsed.get("region")
    if doc_region and region not in regions_named(doc_region):
        warnings.append(f"文档所属区划为“{doc_region}”，与所选导入区划“{region.full_name}”不一致，请核对。")

    facts = inspection_facts(parsed)
    inspection = find_inspection(facts, region) if facts else None
    lookalike = inspection_lookalike(facts, region) if facts and inspection is None else None
    if facts is None and kind == Plan.Kind.RECTIFICATION:
        warnings.append("未识别出督察组信息，导入后的方案不关联督察。")

    duplicate = find_duplicate(digest) if digest else None
    plan = find_plan(parsed, region)
    if duplicate is not None and duplicate.plan is not None:
        plan = duplicate.plan
    existing = _match_existing(plan, rows) if plan else {}
    has_history = bool(plan and plan.tasks.exists())
    if duplicate is not None:
        # The document was imported before: only its tasks not yet in the ledger are offered.
        pending = [i for i in range(len(rows)) if i not in existing and not rows[i].get("skip")]
        if duplicate.plan is not None and pending:
            warnings.append(
                f"{duplicate.imported_text}本次只导入其中尚未进入台账的 {len(pending)} 项任务。"
            )
            duplicate = None
            rows = [row if i not in existing else {**row, "skip": True} for i, row in enumerate(rows)]
            existing = {}

    matcher = UnitMatcher(region)
    previews = []
    for index, row in enumerate(rows):
        units = {role: [matcher.match(n) for n in row.get(key) or []] for key, role in ROLE_FIELDS.items()}
        tp = TaskPreview(index=index, row=row, units=units, errors=validate_row(row), gaps=row_gaps(row))
        if has_history:
            task = existing.get(index)
            tp.existing = task
            if task is None:
                tp.change = "new"
            elif not tp.errors:
                tp.changes = diff_task(task, row, units)
                tp.change = "changed" if tp.changes else "same"
            else:
                tp.change = "changed"
        previews.append(tp)
    matched_ids = {t.pk for t in existing.values()}
    orphans: list[Task] = []
    if plan is not None and has_history:
        orphans = list(Task.objects.filter(plan=plan, parent__isnull=True).exclude(pk__in=matched_ids).order_by("id"))
    return Preview(
        parsed=parsed, region=region, tasks=previews, blockers=blockers, warnings=warnings, duplicate=duplicate,
        existing_plan=plan, inspection=inspection, inspection_facts=facts, orphans=orphans,
        inspection_lookalike=lookalike,
    )
