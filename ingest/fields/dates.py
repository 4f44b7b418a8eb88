"""Deadlines and dated milestones: Chinese date expressions as the last day they allow."""
from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass
from typing import Any

CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
FIVE_YEAR_PLANS = {"十三五": 2020, "十四五": 2025, "十五五": 2030, "十二五": 2015}
QUARTERS = {"一": 3, "1": 3, "二": 6, "2": 6, "三": 9, "3": 9, "四": 12, "4": 12}
LONG_TERM = re.compile(r"长期(坚持|推进|执行|落实|保持)?|持续推进|常态化|长效")


def cn_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23, 12 → 12."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS and c not in "十百" for c in text):
        return None
    if "百" in text:
        head, _, tail = text.partition("百")
        return (CN_DIGITS.get(head, 1) if head else 1) * 100 + (cn_number(tail) or 0 if tail else 0)
    if "十" in text:
        head, _, tail = text.partition("十")
        return (CN_DIGITS[head] if head else 1) * 10 + (CN_DIGITS[tail] if tail else 0)
    if len(text) == 1:
        return CN_DIGITS[text]
    return None


def last_day(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def iso(year: int, month: int, day: int) -> str | None:
    try:
        calendar.monthrange(year, month)
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            return None
    except (ValueError, calendar.IllegalMonthError):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# Every repeat is bounded (\s{0,3}, \d{1,2}): no pattern may cost more than linear time on
# user text (a deadline written with long runs of spaces, a line of digits).
_S = r"\s{0,3}"
_Y = r"(?P<y>(?:19|20)\d{2})" + _S + "年"
DATE_EXPRESSIONS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(_Y + _S + r"(?P<m>\d{1,2})" + _S + "月" + _S + r"(?P<d>\d{1,2})" + _S + "日")),
    ("ym", re.compile(_Y + _S + r"(?P<m>\d{1,2})" + _S + r"月(?:份)?(?P<tail>底|末|中旬|上旬|下旬)?")),
    ("half", re.compile(_Y + _S + r"(?P<h>上|下)半年")),
    ("quarter", re.compile(_Y + _S + r"(?:第)?(?P<q>[一二三四1-4])季度")),
    ("yend", re.compile(_Y + _S + r"(?:年底|年末|底|末)")),
    ("y", re.compile(r"(?P<pre>到|至|于|确保|力争|争取|截至|截止)?" + _S + _Y + r"(?P<post>前|以前|内|完成|起)?")),
    ("plan", re.compile(r"[“\"]?(?P<p>十[二三四五]五)[”\"]?(?:期间|末|时期)")),
    ("md", re.compile(r"(?<![\d年])(?P<m>\d{1,2})" + _S + r"月(?P<tail>底|末)")),
]


@dataclass
class DateHit:
    date: str
    start: int
    end: int
    text: str
    explicit_year: bool


class _Spans:
    """Characters already taken by a date: overlap checks cost the length of a match (dates are short)."""

    def __init__(self, size: int) -> None:
        self.taken = bytearray(size)

    def overlaps(self, start: int, end: int) -> bool:
        return any(self.taken[start:end])

    def add(self, start: int, end: int) -> None:
        self.taken[start:end] = b"\x01" * (end - start)


def find_dates(text: str, year_hint: int | None = None, bare_years: bool = False) -> list[DateHit]:
    """Date expressions in text, earliest first; a bare year counts only with 到/确保/…前 or when bare_years."""
    taken = _Spans(len(text))
    hits: list[DateHit] = []
    for kind, rx in DATE_EXPRESSIONS:
        for m in rx.finditer(text):
            if taken.overlaps(m.start(), m.end()):
                continue
            date = _resolve(kind, m, year_hint, bare_years or (kind == "y" and _opens_step(text, m)))
            if date is None:
                continue
            taken.add(m.start(), m.end())
            hits.append(DateHit(date, m.start(), m.end(), m.group(0), kind not in ("md",)))
    hits.sort(key=lambda h: h.start)
    return hits


_STEP_VERB = re.compile(r"[，,]|达到|完成|实现|建成|基本|全面|全部|力争")


def _opens_step(text: str, m: re.Match[str]) -> bool:
    """A bare year that opens a clause and a step: `，2010年达到…` `2018年，完成…`."""
    if m.group("pre") or m.group("post"):
        return False
    before = text[m.start() - 1] if m.start() else "，"
    return before in "，,。；;：:\n" and bool(_STEP_VERB.match(text, m.end()))


def _resolve(kind: str, m: re.Match[str], year_hint: int | None, bare_years: bool) -> str | None:
    g = m.groupdict()
    if kind == "ymd":
        return iso(int(g["y"]), int(g["m"]), int(g["d"]))
    if kind == "ym":
        return _year_month(g)
    if kind == "half":
        return last_day(int(g["y"]), 6 if g["h"] == "上" else 12)
    if kind == "quarter":
        return last_day(int(g["y"]), QUARTERS[g["q"]])
    if kind == "yend":
        return last_day(int(g["y"]), 12)
    if kind == "y":
        return _year_alone(g, bare_years)
    if kind == "plan":
        return last_day(FIVE_YEAR_PLANS[g["p"]], 12)
    if kind == "md":
        if year_hint is None:
            return None
        month = int(g["m"])
        return last_day(year_hint, month) if 1 <= month <= 12 else None
    return None


def _year_month(g: dict[str, str]) -> str | None:
    """`2024年6月` → the month's last day; `上旬`/`中旬` → the 10th/20th."""
    month = int(g["m"])
    if not 1 <= month <= 12:
        return None
    if g.get("tail") == "上旬":
        return iso(int(g["y"]), month, 10)
    if g.get("tail") == "中旬":
        return iso(int(g["y"]), month, 20)
    return last_day(int(g["y"]), month)


def _year_alone(g: dict[str, str], bare_years: bool) -> str | None:
    """`2025年底前` → 2025-12-31; a year that starts a period (`截至2024年`, `2024年起`) is no deadline."""
    if g.get("pre") in ("截至", "截止", "于") or g.get("post") == "起":
        return None
    if not (g.get("pre") or g.get("post") or bare_years):
        return None
    return last_day(int(g["y"]), 12)


_ONLY_MONTH = re.compile(r"^(?:于|在)?(?P<m>\d{1,2})" + _S + r"月(?:底|末|份)?(?:前|以前)?")
_HALF_ALONE = re.compile(r"^(?:今年)?(?P<h>上|下)半年")


def parse_deadline(text: str | None, year_hint: int | None = None) -> tuple[str | None, bool]:
    """(ISO last day, long_term) of a deadline as written: `2024年12月底` → ('2024-12-31', False)."""
    if not text:
        return None, False
    t = re.sub(r"\s+", "", text)
    long_term = bool(LONG_TERM.search(t))
    hits = find_dates(t, year_hint, bare_years=True)
    numeric = re.search(r"((?:19|20)\d{2})[./\-](\d{1,2})(?:[./\-](\d{1,2}))?", t)
    if not hits and numeric:
        y, mth = int(numeric.group(1)), int(numeric.group(2))
        date = iso(y, mth, int(numeric.group(3))) if numeric.group(3) else (last_day(y, mth) if 1 <= mth <= 12 else None)
        if date:
            return date, long_term
    if hits:
        return max(h.date for h in hits), long_term
    m = _ONLY_MONTH.match(t)
    if m and year_hint:
        month = int(m.group("m"))
        if 1 <= month <= 12:
            return last_day(year_hint, month), long_term
    m = _HALF_ALONE.match(t)
    if m and year_hint:
        return last_day(year_hint, 6 if m.group("h") == "上" else 12), long_term
    return None, long_term or bool(re.search(r"立行立改|持续|长期", t))


_CLAUSE_END = re.compile(r"[。；;!?]")


@dataclass
class Milestone:
    date: str
    text: str


def find_milestones(text: str, year_hint: int | None = None) -> list[Milestone]:
    """Dated steps inside measure text, each with its clause: `2023年10月底前，完成…溯源`."""
    out: list[Milestone] = []
    clause_ends = [m.start() for m in _CLAUSE_END.finditer(text)]
    for hit in find_dates(text, year_hint):
        if _is_reference(text, hit):
            continue
        i = bisect.bisect_left(clause_ends, hit.end)
        end = clause_ends[i] if i < len(clause_ends) else len(text)
        start = hit.start
        lead = re.search(r"(?:到|至|确保|力争|争取|在)$", text[max(0, start - 2):start])
        if lead:
            start -= len(lead.group(0))
        out.append(Milestone(hit.date, text[start:end].strip(" ,，")))
    return out


def _is_reference(text: str, hit: DateHit) -> bool:
    """Years inside a document name or a baseline (`较2015年`, `在2020年基础上`) are not milestones."""
    before = text[max(0, hit.start - 3):hit.start]
    after = text[hit.end:hit.end + 4]
    if re.search(r"(较|比|与|同)$", before) or after.startswith(("基础", "相比", "水平", "同期")):
        return True
    if re.search(r"(截至|截止|自|从|于|以来)$", before):
        # `应于2020年底前完成` is a step; `于2021年7月启动` a reported fact
        return not (re.search(r"(应|须|要|将|需|力争|务必)于$", before) or after.startswith("前"))
    opened = text.rfind("《", 0, hit.start)
    return opened != -1 and text.find("》", opened) > hit.start


def latest_step(text: str, milestones: list[Milestone], year_hint: int | None) -> tuple[str | None, str | None]:
    """(date, wording) of the latest dated step: an action item's deadline when it has no deadline field."""
    if not milestones:
        return None, None
    latest = max(ms.date for ms in milestones)
    hits = [h for h in find_dates(text, year_hint) if h.date == latest]
    if not hits:
        return latest, None
    wording = hits[-1].text + ("前" if text.startswith("前", hits[-1].end) else "")
    lead_word = re.search(r"(到|至)$", text[max(0, hits[-1].start - 1):hits[-1].start])
    return latest, (lead_word.group(1) + wording if lead_word else wording)


def fill_deadline_from_steps(task: dict[str, Any], year_hint: int | None) -> None:
    """A task of an action plan without a deadline field: its latest dated step is the deadline."""
    if task.get("deadline") or task.get("deadline_text") or not task.get("milestones"):
        return
    stones = [Milestone(m["date"], m["text"]) for m in task["milestones"]]
    task["deadline"], task["deadline_text"] = latest_step("\n".join(task.get("measures") or []), stones, year_hint)


def notice_steps(task: dict[str, Any], year_hint: int | None) -> None:
    """A closure notice's dated steps are those of its measures and target; with no deadline field the
    last step of the measures is the deadline (dates only in the target are not)."""
    measures = "\n".join(task.get("measures") or [])
    stones = find_milestones("\n".join(s for s in (task.get("target"), measures) if s), year_hint)
    task["milestones"] = [{"date": m.date, "text": m.text} for m in stones]
    if not task.get("deadline") and measures:
        in_measures = find_milestones(measures, year_hint)
        if in_measures:
            last = max(in_measures, key=lambda m: m.date)
            hits = [h for h in find_dates(measures, year_hint) if h.date == last.date]
            task["deadline"] = last.date
            task["deadline_text"] = hits[-1].text if hits else None
            task["long_term"] = parse_deadline(task["deadline_text"], year_hint)[1] if task["deadline_text"] else False
