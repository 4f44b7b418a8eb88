"""The task's rules, once: raw values (as typed, sent, written in a cell or read from a document) into
clean values or field errors with one Chinese wording per rule.

The task form and the API check a whole task with ``check_fields`` (an API update merged over the task
first); the Excel import and the document import call the same rules cell by cell; unit lists and deadlines are read by ``ingest``'s public API (``unit_names``,
``parse_deadline``), so the same text gives the same units and the same date in every path.

What differs by path is only what happens to a unit the system does not know: the form, the API and the
Excel import refuse it (``unknown_units_message``); the document import shows it as 新单位 in the preview
and creates it when the person confirms (a plan document is how new organisations enter the ledger).
A task of a document without a deadline or a lead/responsible unit is imported as 待完善 (``row_gaps``).
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ingest
from rectify.core.refusals import Refused
from rectify.regions.groups import split_names
from rectify.regions.matching import find_unit
from rectify.regions.models import Region, Unit

from .models import Assignment

Role = Assignment.Role
UNIT_FIELDS: dict[str, str] = {"lead_units": Role.LEAD, "cooperating_units": Role.COOPERATING, "responsible_units": Role.RESPONSIBLE}

# ---- one wording per rule ----------------------------------------------------------------------------
NEED_TEXT = "反馈问题、整改目标、任务名称至少填写一项"
NEED_DEADLINE = "请填写整改时限，或选择“长期坚持”"
NEED_UNIT = "请至少填写一个牵头单位或责任单位"
YEAR_RANGE = "整改时限的年份应在 2000 至 2100 之间"
DEADLINE_FORMS = "请写成 2025-12-31、2025年12月底、2025年上半年、2025年底前 或 长期坚持"
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_DEADLINE_CHARS = 100
MAX_DEADLINE_TEXT = 60  # the 时限原文 column


def unknown_units_message(names: Iterable[str]) -> str:
    return f"系统中没有这些单位：{'、'.join(names)}。请检查名称，或请管理员先添加单位。"


TOO_LONG = "太长（{length} 个字，不超过 {limit} 个字）"
#: The longest text each field holds, with its label; a longer value is refused, never cut.
LIMITS: dict[str, tuple[str, int]] = {"seq": ("序号", 20), "feedback_no": ("反馈问题序号", 20), "title": ("任务名称", 200),
                                      "responsible_person": ("责任人", 120)}


def too_long_message(label: str, length: int, limit: int) -> str:
    return f"“{label}”" + TOO_LONG.format(length=length, limit=limit)


def check_lengths(checked: Checked, values: dict[str, Any], *, labelled: bool = True) -> None:
    """Texts longer than their field holds (``LIMITS``); ``labelled=False`` where the error stands under the field."""
    for name, (label, limit) in LIMITS.items():
        text = (values.get(name) or "").strip() if isinstance(values.get(name), str) else ""
        if len(text) > limit:
            checked.add(name, too_long_message(label, len(text), limit) if labelled else TOO_LONG.format(length=len(text), limit=limit))


@dataclass
class Checked:
    """Clean values and field errors (field name → Chinese messages)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        if message not in self.errors.get(name, []):
            self.errors.setdefault(name, []).append(message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self) -> list[str]:
        return [m for ms in self.errors.values() for m in ms]


# ---- sections -----------------------------------------------------------------------------------------

SECTION_SEPARATOR = " / "


def split_section(text: str | None) -> list[str]:
    """Section levels as shown and exported (" / " between levels), or split at a bare "/" when typed
    that way: 三、主要措施 / （一）水/气治理 keeps the "/" inside its level."""
    text = text or ""
    separator = SECTION_SEPARATOR if SECTION_SEPARATOR in text else "/"
    return [s.strip() for s in text.split(separator) if s.strip()]


# ---- deadlines ----------------------------------------------------------------------------------------

# A written day that does not exist (2025年2月30日) is refused rather than read as the month.
_FULL_DATE = re.compile(r"(\d{4})\s{0,3}[-/.年]\s{0,3}(\d{1,2})\s{0,3}[-/.月]\s{0,3}(\d{1,2})")
_PLAIN_DATE = re.compile(r"^\s{0,3}\d{4}\s{0,3}[-/.]\s{0,3}\d{1,2}\s{0,3}[-/.]\s{0,3}\d{1,2}\s{0,3}$")


class DeadlineError(Refused, ValueError):
    """A deadline that cannot be read; the message is Chinese."""

    code = "deadline_unreadable"


@dataclass
class Deadline:
    date: datetime.date | None = None
    long_term: bool = False
    text: str = ""  # the wording kept as 时限原文 ("" for a plain date)


def check_year(date: datetime.date | None) -> None:
    if date is not None and not (FIRST_YEAR <= date.year <= LAST_YEAR):
        raise DeadlineError(YEAR_RANGE)


def read_deadline(text: str | None, *, long_term: bool = False) -> Deadline:
    """A deadline as written (`2025年上半年`, `2027年6月底`, `2025-12-31，长期坚持`, `长期坚持`, blank), by
    ``ingest.parse_deadline``; raises ``DeadlineError`` for text that names no deadline."""
    text = (text or "").strip()
    if not text:
        return Deadline(long_term=long_term)
    if len(text) > MAX_DEADLINE_CHARS:
        raise DeadlineError(f"整改时限太长（{len(text)} 个字，不超过 {MAX_DEADLINE_CHARS} 个字），{DEADLINE_FORMS}")
    for m in _FULL_DATE.finditer(text):
        try:
            datetime.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise DeadlineError(f"整改时限“{text}”中的日期不存在") from None
    iso, written_long_term = ingest.parse_deadline(text)
    if iso is None and not written_long_term:
        raise DeadlineError(f"无法识别的整改时限“{text}”，{DEADLINE_FORMS}")
    date = datetime.date.fromisoformat(iso) if iso else None
    check_year(date)
    keep = "" if _PLAIN_DATE.match(text) else text[:MAX_DEADLINE_TEXT]
    return Deadline(date=date, long_term=long_term or written_long_term, text=keep)


def settle_deadline(checked: Checked, date: datetime.date | None, text: str | None, long_term: bool) -> Deadline:
    """The deadline of a form or request: the date when one is given, else the one ``text`` names
    (时限原文 `2025年上半年` → 2025-06-30); the wording stays as 时限原文."""
    text = (text or "").strip()
    if date is not None or not text:
        return Deadline(date=date, long_term=long_term, text=text)
    try:
        read = read_deadline(text, long_term=long_term)
    except DeadlineError as exc:
        checked.add("deadline", str(exc))
        return Deadline(long_term=long_term, text=text[:MAX_DEADLINE_TEXT])
    return Deadline(date=read.date, long_term=read.long_term, text=text[:MAX_DEADLINE_TEXT])


def milestone_year_message(date: datetime.date) -> str:
    return f"时间节点的日期 {date.isoformat()} 年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间"


def check_milestones(checked: Checked, milestones: Iterable[tuple[datetime.date | None, str]]) -> None:
    for date, _ in milestones:
        if date is not None and not (FIRST_YEAR <= date.year <= LAST_YEAR):
            checked.add("milestones", milestone_year_message(date))


# ---- units --------------------------------------------------------------------------------------------

_ROLE_SUFFIX = re.compile(r"[（(]\s{0,3}(牵头|牵头单位|配合|配合单位|责任|责任单位)\s{0,3}[）)]$")


def unit_names(values: str | Iterable[str] | None) -> list[tuple[str, str]]:
    """(as written, completed) for each unit of one role: a text or a list of texts (each may be a list)."""
    if values is None:
        return []
    texts = [values] if isinstance(values, str) else list(values)
    pairs: list[tuple[str, str]] = []
    for text in texts:
        for pair in ingest.unit_names(text or ""):
            if pair[1] not in {c for _, c in pairs}:
                pairs.append(pair)
    return pairs


def role_parts(cell: str) -> list[tuple[str, str]]:
    """(role, text) for each part of one 责任单位 cell (Excel): a name marked （牵头）/（配合） has that role,
    the rest are responsible units."""
    parts: list[tuple[str, str]] = []
    for part in split_names(cell or ""):
        role = Role.RESPONSIBLE
        if m := _ROLE_SUFFIX.search(part):
            role = Role.LEAD if m[1].startswith("牵头") else Role.COOPERATING if m[1].startswith("配合") else Role.RESPONSIBLE
            part = part[: m.start()].strip()
        if part:
            parts.append((role, part))
    return parts


def units_by_role(cell: str) -> dict[str, list[tuple[str, str]]]:
    """The units of one 责任单位 cell by role, each list split and completed like any other unit list."""
    written: dict[str, list[str]] = {}
    for role, part in role_parts(cell):
        written.setdefault(role, []).append(part)
    return {role: unit_names("、".join(names)) for role, names in written.items()}


Finder = Callable[[str, Region], "Unit | None"]


def resolve_units(pairs: Iterable[tuple[str, str]], region: Region, find: Finder = find_unit) -> tuple[list[Unit], list[str]]:
    """Units of ``region`` or its ancestors for each name (the completed name first, then as written),
    and the names (as written) the system does not know."""
    found: list[Unit] = []
    missing: list[str] = []
    for written, completed in pairs:
        unit = find(completed, region) or (find(written, region) if written != completed else None)
        if unit is None:
            missing.append(written)
        elif unit not in found:
            found.append(unit)
    return found, missing


# ---- the task as a whole ------------------------------------------------------------------------------

def check_units(checked: Checked, raw: dict[str, Any], region: Region | None, *, find: Finder = find_unit,
                current: dict[str, list[Unit]] | None = None) -> dict[str, list[Unit]]:
    """Resolve the unit fields present in ``raw`` (text, list of texts, or {role: pairs} under "units");
    an unknown name is a field error. Roles absent from ``raw`` keep ``current``."""
    units: dict[str, list[Unit]] = {role: list(us) for role, us in (current or {}).items()}
    if region is None:
        return units
    for name, role in UNIT_FIELDS.items():
        if name not in raw or raw[name] is None:
            continue
        pairs = raw[name] if _is_pairs(raw[name]) else unit_names(raw[name])
        found, missing = resolve_units(pairs, region, find)
        if missing:
            checked.add(name, unknown_units_message(missing))
        units[role] = found
    return units


def _is_pairs(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, tuple) for v in value)


def check_task(checked: Checked, *, title: str = "", problem: str = "", target: str = "",
               deadline: datetime.date | None = None, long_term: bool = False,
               units: dict[str, list[Unit]] | None = None, need_deadline: bool = True, need_units: bool = True) -> None:
    """The rules across fields: some text, a deadline or 长期坚持, a lead or responsible unit (the last only
    when nothing else is wrong, so that an unknown unit is reported once, as unknown)."""
    if deadline is not None:
        try:
            check_year(deadline)
        except DeadlineError as exc:
            checked.add("deadline", str(exc))
    if need_deadline and deadline is None and not long_term and "deadline" not in checked.errors:
        checked.add("deadline", NEED_DEADLINE)
    if not ((problem or "").strip() or (target or "").strip() or (title or "").strip()):
        checked.add("problem", NEED_TEXT)
    if need_units and units is not None and checked.ok:
        if not units.get(Role.LEAD) and not units.get(Role.RESPONSIBLE):
            checked.add("responsible_units", NEED_UNIT)


# ---- a whole task as typed in the form or sent to the API ---------------------------------------------

def normalise_newlines(text: str) -> str:
    """Browsers send a textarea's line breaks as CRLF, API callers either; the ledger stores LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):
        return normalise_newlines(value).strip()
    if isinstance(value, list):
        return [_clean_text(v) for v in value]
    if isinstance(value, tuple):  # a milestone: (date, text)
        return tuple(_clean_text(v) for v in value)
    return value


def check_fields(checked: Checked, values: dict[str, Any], region: Region | None, *,
                 current_units: dict[str, list[Unit]] | None = None, need_units: bool = True,
                 need_deadline: bool = True) -> dict[str, Any]:
    """The clean values of a task as the form or the API gives it (texts with LF line ends and no
    surrounding spaces, the deadline settled, the units resolved in ``region``), rule errors in ``checked``.
    Unit fields absent from ``values`` keep ``current_units``; ``need_units=False`` when the task's other
    references are already wrong (the unit rule then says nothing)."""
    clean = {name: value if name == "completion" else _clean_text(value) for name, value in values.items()}  # completion: not typed here
    check_lengths(checked, clean, labelled=False)
    check_milestones(checked, clean.get("milestones") or [])
    deadline = settle_deadline(checked, clean.get("deadline"), clean.get("deadline_text"), bool(clean.get("long_term")))
    clean["deadline"], clean["long_term"] = deadline.date, deadline.long_term
    units = check_units(checked, clean, region, current=current_units)
    check_task(
        checked, title=clean.get("title") or "", problem=clean.get("problem") or "", target=clean.get("target") or "",
        deadline=deadline.date, long_term=deadline.long_term, units=units if region is not None and need_units else None,
        need_deadline=need_deadline,
    )
    clean["units"] = units
    return clean
