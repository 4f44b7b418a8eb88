"""Reading a plan document: size and type checks, ``ingest``'s parse, normalised rows, row validation."""
from __future__ import annotations

import datetime
import hashlib
import logging
from pathlib import PurePath
from typing import Any

from django.utils import timezone

from rectify.core.refusals import Refused
from rectify.inspections.models import Inspection, Plan
from rectify.regions.matching import normalise_name
from rectify.tasks import validation
from rectify.tasks.completeness import completion_gaps
from rectify.tasks.models import Assignment

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
    import ingest  # the parsing library ships with the project

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
