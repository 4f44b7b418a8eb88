"""Importing plan documents into the ledger, shared by the web pages and the ``import_documents`` command.

The flow is: ``start_import`` (read the bytes with ``ingest``, keep the file, store an
``ImportBatch`` in state *previewed*) → ``build_preview`` (what would be written: tasks, units
matched or new, changes against an earlier version of the same plan, problems per task) →
``apply_import`` (one transaction: inspection, plan, units, tasks through
``rectify.tasks.services``) or ``cancel_import``. Views and the command only parse and check.
"""
from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.refusals import Refused
from rectify.core.versioning import StaleEdit, save_versioned
from rectify.inspections.models import Inspection, Plan
from rectify.regions.groups import home_region, umbrella_rule
from rectify.regions.matching import find_unit, guess_kind, normalise_name
from rectify.regions.models import Region, Unit
from rectify.tasks import validation
from rectify.tasks.completeness import completion_gaps
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import TaskData, create_task, task_data_from, update_task

from .models import ImportBatch

logger = logging.getLogger(__name__)

MAX_SIZE = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = (".txt", ".docx", ".pdf", ".html", ".htm", ".xlsx", ".doc")
IMPORTABLE_KINDS = {Plan.Kind.RECTIFICATION.value, Plan.Kind.ACTION.value}
KIND_LABELS = {
    "rectification_plan": "整改方案",
    "action_plan": "行动计划",
    "closure_notice": "销号公示",
    "progress_report": "整改落实情况",
}
LEVEL_LABELS = dict(Inspection.Level.choices)
ROLE_FIELDS = {
    "lead_units": Assignment.Role.LEAD.value,
    "cooperating_units": Assignment.Role.COOPERATING.value,
    "responsible_units": Assignment.Role.RESPONSIBLE.value,
}
ROLE_LABELS = dict(Assignment.Role.choices)
# The preview shows Chinese labels, never the SCHEMA.md field names.
STAT_LABELS = {
    "tasks_total": "整改任务总数",
    "tasks_done": "已完成任务",
    "tasks_in_progress": "正在推进任务",
    "petitions_received": "受理（转办）信访件",
    "petitions_closed": "已办结信访件",
    "accountability_cases": "责任追究问题",
    "accountability_closed": "已办结责任追究问题",
}
COMPARATOR_LABELS = {
    "<=": "不高于", ">=": "不低于", "<": "低于", ">": "高于", "=": "达到",
    "reduce_by": "比基准年下降", "increase_by": "比基准年提高",
}
GENERIC_PARSE_ERROR = "读取文档时出现意外错误，没有导入任何内容。请确认文件完整、未加密，或将文件交给管理员排查。"


class ImportFailed(Refused):
    """An import that cannot go on; ``message`` is a Chinese sentence for the user."""


class DuplicateDocument(ImportFailed):
    """The same bytes were imported before: nothing is added a second time."""

    status = 409
    code = "duplicate_document"

    def __init__(self, when: datetime.datetime, plan: Plan | None, batch: ImportBatch | None) -> None:
        self.when = when
        self.plan = plan
        self.batch = batch
        local = timezone.localtime(when) if timezone.is_aware(when) else when
        title = plan.title if plan else "—"
        self.imported_text = f"该文档已于{local:%Y年%m月%d日 %H:%M}导入（方案：{title}），"
        super().__init__(f"{self.imported_text}重复导入不会新增任务。")


# --------------------------------------------------------------------------- reading


def _ingest() -> Any:
    try:
        import ingest
    except ImportError:  # pragma: no cover - the library ships with the project
        logger.exception("ingest cannot be imported")
        raise ImportFailed("文档解析模块未安装，暂时无法导入文档。请联系管理员。") from None
    return ingest


def content_hash(data: bytes) -> str:
    """The document's identity for duplicate checks: ingest's hash of its text, else of its bytes."""
    fn = getattr(_ingest(), "content_hash", None)
    if callable(fn):
        try:
            value = fn(data)
        except Exception:  # noqa: BLE001 - a file the hash cannot read is still hashed by its bytes
            logger.exception("ingest.content_hash failed")
        else:
            if isinstance(value, str) and value:
                return value[:64]
    return hashlib.sha256(data).hexdigest()


def check_file(data: bytes, filename: str) -> None:
    name = PurePath(filename or "").name
    if PurePath(name).suffix.lower() not in ALLOWED_EXTENSIONS:
        raise ImportFailed(f"不支持的文件类型：{name or '未命名文件'}。请上传 .txt、.docx、.doc、.pdf、.html 或 .xlsx 文件。")
    if not data:
        raise ImportFailed(f"文件“{name}”是空的（0 字节），没有可导入的内容。")
    if len(data) > MAX_SIZE:
        raise ImportFailed(f"文件“{name}”超过 20 MB，无法导入。")


def parse_document(data: bytes, filename: str) -> dict[str, Any]:
    """The ingest output for ``data``, cleaned into the shapes this module relies on."""
    check_file(data, filename)
    ingest = _ingest()
    parse = getattr(ingest, "parse", None)
    if not callable(parse):
        raise ImportFailed("文档解析模块尚未就绪，暂时无法导入文档。请稍后再试或联系管理员。")
    ingest_error = getattr(ingest, "IngestError", None)
    try:
        result = parse(data, filename)
    except Exception as exc:  # noqa: BLE001 - any parser failure must end as a message, never a 500
        if isinstance(ingest_error, type) and isinstance(exc, ingest_error):
            message = getattr(exc, "message", "") or str(exc)
            raise ImportFailed(f"无法读取文档“{PurePath(filename).name}”：{message}") from None
        logger.exception("ingest.parse failed on %s", filename)
        raise ImportFailed(GENERIC_PARSE_ERROR) from None
    if not isinstance(result, dict):
        logger.error("ingest.parse returned %r for %s", type(result), filename)
        raise ImportFailed(GENERIC_PARSE_ERROR)
    return normalise_parsed(result, PurePath(filename).name)


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    return [t for t in (_text(v) for v in value) if t]


def normalise_parsed(raw: dict[str, Any], filename: str) -> dict[str, Any]:
    """Coerce the parser's output to the SCHEMA.md shapes (keeping any extra keys)."""
    doc = dict(raw)
    doc["document"] = filename
    doc["kind"] = _text(raw.get("kind")) or "rectification_plan"
    doc["title"] = _text(raw.get("title"))
    doc["region"] = _text(raw.get("region")) or None
    insp = raw.get("inspection")
    doc["inspection"] = dict(insp) if isinstance(insp, dict) else None
    period = raw.get("period")
    doc["period"] = dict(period) if isinstance(period, dict) else None
    for key in ("indicators", "measurements"):
        doc[key] = [x for x in (raw.get(key) or []) if isinstance(x, dict)] if isinstance(raw.get(key), list) else []
    doc["stats"] = raw.get("stats") if isinstance(raw.get("stats"), dict) else None
    unparsed = []
    for item in raw.get("unparsed") or []:
        if isinstance(item, dict) and _text(item.get("text")):
            unparsed.append({"line": item.get("line"), "text": _text(item.get("text"))})
        elif isinstance(item, str) and item.strip():
            unparsed.append({"line": None, "text": item.strip()})
    doc["unparsed"] = unparsed
    tasks: list[Any] = raw["tasks"] if isinstance(raw.get("tasks"), list) else []
    doc["tasks"] = [normalise_task(t, i) for i, t in enumerate(tasks, 1) if isinstance(t, dict)]
    return doc


def normalise_task(raw: dict[str, Any], position: int) -> dict[str, Any]:
    row = dict(raw)
    row["seq"] = _text(raw.get("seq")) or str(position)
    row["feedback_no"] = _text(raw.get("feedback_no")) or None
    row["section"] = _texts(raw.get("section"))
    for key in ("title", "problem", "target", "responsible_person", "deadline_text", "completion"):
        row[key] = _text(raw.get(key)) or None
    row["measures"] = _texts(raw.get("measures"))
    for key in ROLE_FIELDS:
        row[key] = list(dict.fromkeys(_texts(raw.get(key))))
    deadline = raw.get("deadline")
    row["deadline"] = deadline.isoformat() if isinstance(deadline, datetime.date) else (_text(deadline) or None)
    row["long_term"] = bool(raw.get("long_term"))
    milestones = []
    for m in raw.get("milestones") or []:
        if isinstance(m, dict) and _text(m.get("text")):
            d = m.get("date")
            milestones.append({"date": d.isoformat() if isinstance(d, datetime.date) else (_text(d) or None), "text": _text(m.get("text"))})
    row["milestones"] = milestones
    row["skip"] = bool(raw.get("skip"))
    return row


# --------------------------------------------------------------------------- regions


def _ancestor_names(region: Region) -> list[str]:
    names = []
    node = region.parent
    while node is not None:
        names.append(node.name)
        node = node.parent
    return names  # nearest first


def regions_named(name: str | None, within: QuerySet[Region] | None = None) -> list[Region]:
    """Regions a document's region name denotes: 晋城市城区, 城区 under 晋城市, 山西省晋城市 …"""
    wanted = normalise_name(name or "")
    if not wanted:
        return []
    suffixes = [wanted[i:] for i in range(len(wanted))]
    qs = (within if within is not None else Region.objects.all()).filter(name__in=suffixes).select_related("parent__parent__parent")
    exact, prefixed = [], []
    for region in qs:
        if wanted in {region.name, region.full_name}:
            exact.append(region)
            continue
        # The name written with (some of) its ancestors in front: 山西省晋城市城区.
        rest = wanted[: -len(region.name)]
        for ancestor in _ancestor_names(region):
            if not rest:
                break
            if rest.endswith(ancestor):
                rest = rest[: -len(ancestor)]
        if not rest:
            prefixed.append(region)
    return exact or prefixed


def resolve_region(name: str | None, within: QuerySet[Region] | None = None) -> Region:
    found = regions_named(name, within)
    if len(found) == 1:
        return found[0]
    if not name:
        raise ImportFailed("文档中没有写明所属区划，请指定要导入到哪个区划。")
    if not found:
        where = "系统" if within is None else "您可管理的区划"
        raise ImportFailed(f"文档所属区划为“{name}”，但在{where}中没有找到它，请指定要导入到哪个区划。")
    names = "、".join(f"{r.full_name}（{r.code}）" for r in found)
    raise ImportFailed(f"文档所属区划“{name}”对应多个区划：{names}，请指定要导入到哪个区划。")


def check_write_region(user: Any, region: Region | None) -> None:
    """Refuse an import into a region outside the user's write scope (an office's subtrees).

    ``user`` None is the operator at the command line without ``--user``: the whole system.
    """
    if user is None or region is None:
        return
    if not Region.objects.editable_by(user).filter(pk=region.pk).exists():
        raise ImportFailed(f"您没有向“{region.full_name}”导入方案的权限：只有该区划或上级的整改办可以导入。")


def write_regions(user: Any) -> QuerySet[Region]:
    """The regions ``user`` may import into; every region for the operator (``None``)."""
    if user is None:
        return Region.objects.all()
    return Region.objects.editable_by(user)  # type: ignore[no-any-return]


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


def find_duplicate(digest: str) -> DuplicateDocument | None:
    batch = (
        ImportBatch.objects.filter(content_hash=digest, status=ImportBatch.Status.CONFIRMED)
        .select_related("plan")
        .first()
    )
    if batch is not None:
        return DuplicateDocument(batch.confirmed_at or batch.created_at, batch.plan, batch)
    plan = Plan.objects.filter(source_hash=digest).order_by("id").first()
    if plan is not None:
        return DuplicateDocument(plan.created_at, plan, None)
    return None


def _store_file(batch: ImportBatch, data: bytes) -> None:
    path = batch.file_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def start_import(
    data: bytes,
    filename: str,
    *,
    user: Any = None,
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
    actor = user if getattr(user, "pk", None) else None
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


# --------------------------------------------------------------------------- validation

def split_units(text: str) -> list[str]:
    """Unit names as the task rules split a list (``validation.unit_names``, completed as ``ingest`` does):
    、，；and new lines, 及, not inside brackets (各县（市、区）政府 stays whole)."""
    return [completed for _, completed in validation.unit_names(text)]


def _date(value: Any) -> datetime.date | None:
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def validate_row(row: dict[str, Any]) -> dict[str, list[str]]:
    """The task form's rules for one task: field name → Chinese messages (empty when fine)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if row.get("skip"):
        return errors
    seq = _text(row.get("seq"))
    if not seq:
        add("seq", "序号不能为空")
    deadline = None
    try:
        deadline = _date(row.get("deadline"))
    except ValueError:
        add("deadline", f"整改时限“{row.get('deadline')}”不是有效日期")
    # The task rules, except that a missing deadline or unit is not an error here: the task is
    # imported as 待完善 (row_gaps).
    checked = validation.Checked()
    validation.check_lengths(checked, {name: _text(row.get(name)) for name in validation.LIMITS})
    validation.check_task(checked, title=_text(row.get("title")), problem=_text(row.get("problem")), target=_text(row.get("target")),
                          deadline=deadline, long_term=bool(row.get("long_term")), need_deadline=False, need_units=False)
    for name, messages in checked.errors.items():
        for message in messages:
            add(name, message)
    for key in ROLE_FIELDS:
        long_names = [n for n in row.get(key) or [] if len(normalise_name(n)) > 120]
        if long_names:
            add(key, f"单位名称过长（超过 120 字）：{long_names[0][:30]}…")
    for m in row.get("milestones") or []:
        try:
            d = _date(m.get("date"))
        except ValueError:
            add("milestones", f"时间节点的日期“{m.get('date')}”不存在")
            continue
        if d and not (2000 <= d.year <= 2100):
            add("milestones", validation.milestone_year_message(d))
    return errors


def row_gaps(row: dict[str, Any]) -> list[str]:
    """What a row lacks (缺少整改时限 / 责任单位): it is imported and flagged 待完善 on the ledger."""
    if row.get("skip"):
        return []
    return completion_gaps(row.get("deadline"), bool(row.get("long_term")), [*(row.get("lead_units") or []), *(row.get("responsible_units") or [])])


# --------------------------------------------------------------------------- preview


@dataclass
class UnitMatch:
    name: str
    unit: Unit | None
    home: Region | None = None  # where a new unit is created: the plan's region, or the county it names
    rule: str = ""  # an umbrella phrase's member rule (a unit group), "" for one organisation

    @property
    def is_new(self) -> bool:
        return self.unit is None

    @property
    def is_group(self) -> bool:
        return bool(self.rule) or bool(self.unit and self.unit.is_group)

    @property
    def final_name(self) -> str:
        return self.unit.name if self.unit else normalise_name(self.name)[:120]

    @property
    def note(self) -> str:
        """What the preview says about the name, in Chinese."""
        parts = ["已有单位" if self.unit else "新单位"]
        if self.is_group:
            parts.append("统称，分解时展开为各成员单位")
        if self.unit is None and self.home is not None:
            parts.append(f"建在{self.home.full_name}")
        return "·".join(parts)


class UnitMatcher:
    """find_unit with a cache, so a preview looks each name up once.

    A name that starts with a lower region's name (泽州县人民政府 in a city's plan) is looked up
    and created in that region; an umbrella phrase (各县（市、区）政府, 相关部门) is a unit group.
    """

    def __init__(self, region: Region) -> None:
        self.region = region
        self._cache: dict[str, UnitMatch] = {}

    def match(self, name: str) -> UnitMatch:
        key = normalise_name(name)
        if key not in self._cache:
            rule = umbrella_rule(name)
            home = self.region if rule else home_region(name, self.region)
            unit = find_unit(name, home)
            if rule and unit is not None and unit.region_id != home.pk:
                unit = None  # 相关部门 of a county is not 相关部门 of its city
            self._cache[key] = UnitMatch(name, unit, home, rule)
        found = self._cache[key]
        return UnitMatch(name, found.unit, found.home, found.rule)


def create_unit(match: UnitMatch, region: Region) -> Unit:
    """The unit a new name in an import stands for, with its history row."""
    home = match.home or region
    kind = Unit.Kind.GROUP if match.rule else guess_kind(match.name)
    unit = Unit.objects.create(name=normalise_name(match.name)[:120], region=home, kind=kind, member_rule=match.rule)
    record_change(unit, ChangeRecord.Action.CREATE, after=snapshot(unit), reason="导入时新建单位")
    return unit


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


def inspection_facts(parsed: dict[str, Any]) -> dict[str, Any] | None:
    insp = parsed.get("inspection")
    if not isinstance(insp, dict) or not _text(insp.get("team")):
        return None
    team = _text(insp.get("team"))
    level = _text(insp.get("level"))
    if level not in LEVEL_LABELS:
        level = "central" if "中央" in team else ("municipal" if team.startswith("市") else "provincial")

    def day(key: str) -> datetime.date | None:
        try:
            return _date(insp.get(key))
        except ValueError:
            return None

    round_value = insp.get("round")
    try:
        round_number = int(round_value) if round_value not in (None, "") else None
    except (TypeError, ValueError):
        round_number = None
    return {
        "team": team[:120], "level": level, "round": round_number if round_number and 0 < round_number < 100 else None,
        "stationed_from": day("stationed_from"), "stationed_to": day("stationed_to"), "feedback_date": day("feedback_date"),
    }


INSPECTION_DATES = ("stationed_from", "stationed_to", "feedback_date")


def inspection_agrees(insp: Inspection, facts: dict[str, Any]) -> bool:
    """Whether the document's inspection is ``insp``: level, round and dates agree.

    A value only one side states does not contradict; but something besides the team's name
    must agree (a date, or the round when neither states a date): a team name is reused by
    every round, so the name alone never links a plan.
    """
    if insp.level != facts["level"]:
        return False
    if facts.get("round") and insp.round and insp.round != facts["round"]:
        return False
    shared_dates = 0
    for key in INSPECTION_DATES:
        mine, theirs = facts.get(key), getattr(insp, key)
        if mine and theirs:
            if mine != theirs:
                return False
            shared_dates += 1
    if shared_dates:
        return True
    stated = any(facts.get(k) for k in INSPECTION_DATES) or any(getattr(insp, k) for k in INSPECTION_DATES)
    same_round = bool(facts.get("round") and insp.round == facts["round"])
    return same_round and not stated and normalise_name(insp.team) == normalise_name(facts["team"])


def _inspections_over(region: Region) -> list[Inspection]:
    codes = [c for c in region.path.strip("/").split("/") if c]
    return list(Inspection.objects.filter(target_region__code__in=codes).select_related("target_region"))


def find_inspection(facts: dict[str, Any], region: Region) -> Inspection | None:
    """The inspection the document answers, over ``region`` or a region above it (deepest first).

    Only one whose level, round and dates agree with the document's (``inspection_agrees``).
    """
    best = None
    for insp in _inspections_over(region):
        if not inspection_agrees(insp, facts):
            continue
        if best is None or len(insp.target_region.path) > len(best.target_region.path):
            best = insp
    return best


def inspection_summary(source: Inspection | dict[str, Any]) -> str:
    """督察组、层级、轮次、进驻和反馈日期 in one Chinese line, for a document's facts or an inspection."""
    def get(key: str) -> Any:
        return source.get(key) if isinstance(source, dict) else getattr(source, key)

    def day(value: Any) -> str:
        return f"{value.year}年{value.month}月{value.day}日" if value else "—"

    round_text = f"第{get('round')}轮" if get("round") else "轮次未写明"
    return (
        f"{get('team')}，{LEVEL_LABELS.get(get('level'), '—')}，{round_text}，"
        f"进驻 {day(get('stationed_from'))} 至 {day(get('stationed_to'))}，反馈 {day(get('feedback_date'))}"
    )


def inspection_lookalike(facts: dict[str, Any], region: Region) -> Inspection | None:
    """An inspection of the same team that does *not* agree: shown beside the new one in the preview."""
    wanted = normalise_name(facts["team"])
    same_team = [i for i in _inspections_over(region) if normalise_name(i.team) == wanted and not inspection_agrees(i, facts)]
    same_team.sort(key=lambda i: (len(i.target_region.path), i.feedback_date or datetime.date.min), reverse=True)
    return same_team[0] if same_team else None


def find_plan(parsed: dict[str, Any], region: Region) -> Plan | None:
    title = _text(parsed.get("title"))[:200]
    if not title:
        return None
    return Plan.objects.filter(region=region, title=title).order_by("id").first()


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


def build_preview(parsed: dict[str, Any], region: Region, digest: str = "") -> Preview:  # noqa: C901 - split in issue 12 item 6 (services by concept)
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


def apply_import(batch: ImportBatch, *, user: Any = None, expected_versions: dict[int, int] | None = None) -> ImportResult:  # noqa: C901 - split in issue 12 item 6 (services by concept)
    """Write a previewed batch into the ledger in one transaction; any failure leaves nothing behind."""
    expected_versions = expected_versions or {}
    actor = user if getattr(user, "pk", None) else None
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
