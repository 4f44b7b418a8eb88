"""From blocks to the SCHEMA.md document object."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .blocks import Block, Table
from .errors import IngestError
from .facts.goals import NO_GOALS, find_goal_indicators, goal_lines, reported_text
from .facts.inspection import checked_inspection
from .facts.kind import decide_kind
from .facts.region import find_region as find_issuer_region
from .facts.title import find_title as find_own_title
from .facts.unplaced import unplaced_lines
from .fields.counts import find_counts
from .fields.dates import fill_deadline_from_steps, find_milestones, latest_step, notice_steps, parse_deadline
from .fields.feedback import assign_feedback_numbers
from .fields.indicators import find_indicators, find_measurements, find_task_indicators
from .fields.inspection import find_inspection
from .fields.unit_prefix import share_place_prefix
from .fields.units import extract_inline_units, split_units, trailing_unit_cell
from .kinds import find_kind, find_period, find_title
from .layouts import Context, LayoutResult, best_result, used_chars
from .repairs import ScriptMemory, repair_lines, repair_written
from .repairs.output import restore_document
from .structure import (
    FEEDBACK_NO,
    Draft,
    Line,
    build_drafts,
    classify,
    find_header,
    header_field,
    merge_wrapped_header,
    split_inline_items,
    split_label_runs,
    table_drafts,
    table_lines,
)

_ON_TOPIC = re.compile(r"整改|督察|督查|销号|生态|环境|污染|治理|环保")
UNIT_KEYS = ("lead_units", "cooperating_units", "responsible_units")
FEEDBACK_NO_AT_END = re.compile(r"[(（【\[]\s{0,3}(?:对应)?(?:督察)?反馈(?:意见)?(?:问题)?\s{0,3}(?:第)?\s{0,3}(\d{1,4})\s{0,3}(?:项|条|个|号)?\s{0,3}[)）】\]]\s*$")


def repair_blocks(blocks: list[Block], script: ScriptMemory | None = None) -> list[Block]:
    """Repair text (ingest.repairs), split flattened `|`/tab tables back into tables; ``script`` learns the
    written form of each simplified character."""
    script = script if script is not None else ScriptMemory()

    def repair_text(text: str) -> str:
        return script.simplify(repair_written(text))

    out: list[Table | list[str]] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            flat = _tables_from_flat(repair_lines(lines))
            for block in flat:
                if isinstance(block, Table) or not out or not isinstance(out[-1], list):
                    out.append(block if isinstance(block, Table) else [block])
                else:
                    out[-1].append(block)
            lines.clear()

    for block in blocks:
        if isinstance(block, Table):
            flush()
            rows = [[repair_text(c) for c in row] for row in block.rows]
            out.append(Table([r for r in rows if any(r)]))
        else:
            lines.extend(_repair_line(s, repair_text) for s in block.split("\n"))
    flush()
    result: list[Block] = []
    for item in out:
        result.extend(_tables_from_cell_lines(item) if isinstance(item, list) else [item])
    return result


_WIDE_GAP = re.compile(r"[ \u3000]{2,}")


def _repair_line(line: str, repair_text: Callable[[str], str]) -> str:
    """A tab-separated row keeps its tabs: each cell is repaired alone. A row laid out with wide gaps
    (a table in a PDF's text layer) is one too when it has three or more cells."""
    if "\t" not in line and ("  " in line or "\u3000" in line) and len(_WIDE_GAP.split(line.strip())) >= 3:
        line = _WIDE_GAP.sub("\t", line.strip())
    if line.count("\t") >= 2:
        return "\t".join(repair_text(c) for c in line.split("\t"))
    return repair_text(line)


_HEADING_LIKE = re.compile(r"^([一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）])")


def _tables_from_cell_lines(lines: list[str]) -> list[Block]:
    """A web table flattened one cell per line: a run of header names, then rows opened by their number."""
    i = 0
    out: list[Block] = []
    while i < len(lines):
        j = i
        fields: list[str] = []
        while j < len(lines) and lines[j] and len(lines[j]) <= 12 and (name := header_field(lines[j])) and name not in fields:
            fields.append(name)
            j += 1
        core = {"problem", "measures", "responsible_units", "lead_units", "deadline", "title"}
        header = lines[i:j]
        rows: list[list[str]] = [header]
        while j < len(lines) and lines[j] and _HEADING_LIKE.match(lines[j]):
            rows.append([lines[j]] * len(fields))
            j += 1
        if len(fields) < 3 or fields[0] != "seq" or len(core & set(fields)) < 2 or j >= len(lines) or lines[j] != "1":
            out.append(lines[i])
            i += 1
            continue
        k = j
        expected = 1
        while k < len(lines):
            if lines[k] != str(expected):
                break
            end = k + 1
            while end < len(lines) and lines[end] != str(expected + 1):
                end += 1
            cells = [c for c in lines[k + 1:end] if c]
            trailing_heading: list[str] = []
            while cells and _HEADING_LIKE.match(cells[-1]) and len(cells) > len(fields) - 1:
                trailing_heading.insert(0, cells.pop())
            rows.append([str(expected)] + _fit_cells(cells, fields[1:]))
            for heading in trailing_heading:
                rows.append([heading] * len(fields))
            expected += 1
            k = end
        out.append(Table(rows))
        i = k
    return out


def _fit_cells(cells: list[str], fields: list[str]) -> list[str]:
    """More lines than columns: the long middle column (measures, else problem) takes the surplus."""
    if len(cells) <= len(fields):
        return cells + [""] * (len(fields) - len(cells))
    wide = fields.index("measures") if "measures" in fields else (fields.index("problem") if "problem" in fields else 0)
    front = cells[:wide]
    back_n = len(fields) - wide - 1
    back = cells[len(cells) - back_n:] if back_n else []
    middle = cells[wide:len(cells) - back_n]
    return front + ["\n".join(middle)] + back


def _cells(line: str) -> list[str] | None:
    if line.count("|") >= 2:
        return [c.strip() for c in line.strip().strip("|").split("|")]
    if line.count("\t") >= 2:
        return [c.strip() for c in line.split("\t")]
    return None


def _tables_from_flat(lines: list[str]) -> list[Block]:
    out: list[Block] = []
    run: list[list[str]] = []
    for line in lines + [""]:
        cells = _cells(line)
        if cells is not None and not re.fullmatch(r"[\s|:\-—]+", line):
            run.append(cells)
            continue
        if cells is not None:
            continue  # a |---|---| rule line
        if len(run) >= 2:
            out.append(Table(run))
        else:
            out.extend("  ".join(r) for r in run)
        run = []
        out.append(line)
    return out[:-1] if out and out[-1] == "" else out


def _join(items: list[list[str]] | None, sep: str = "\n") -> str | None:
    if not items:
        return None
    text = sep.join("\n".join(i) for i in items if i).strip()
    return text or None


_CLOSING = re.compile(r"^(?:如(?:果)?(?:对|有|公众)|若对|以上.{0,10}(?:向社会)?公示|验收销号|拟何时销号|意见反馈|公示(?:期|时间)|监督电话|联系电话|电子邮箱|联系地址|邮寄地址|特此公示)")


def _without_closing(text: str | None) -> str | None:
    """A notice's closing lines (objection channel, contacts) are not part of the completion text."""
    if not text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i and _CLOSING.match(line.strip()):
            return "\n".join(lines[:i]).strip() or None
    return text


def _year_hint(*texts: str | None) -> int | None:
    for text in texts:
        if text:
            m = re.search(r"((?:19|20)\d{2})年", text)
            if m:
                return int(m.group(1))
    return None


# a first sentence that forbids or obliges is a directive, not the item's heading
_DIRECTIVE = re.compile(r"禁止|不得|严禁|应当|必须|原则上")


def _measures_of(draft: Draft, title_mode: bool) -> tuple[str | None, list[str]]:
    items: list[str] = []
    title = None
    if title_mode:
        head = draft.head
        m = re.match(r"^([^。]{2,40}?)。(.*)$", head)
        if draft.parts.get("title"):
            title = _join(draft.parts["title"])
            rest = head
        elif m and not _DIRECTIVE.search(m.group(1)):
            title, rest = m.group(1), m.group(2).strip()
        elif len(head) <= 40 and draft.head_more:
            title, rest = head.rstrip("。:："), ""
        else:
            rest = head
        body = "\n".join([rest] + draft.head_more if rest else draft.head_more).strip()
        if body:
            items.append(body)
    for key in ("measures", "body"):
        for item in draft.parts.get(key, []):
            text = "\n".join(item).strip()
            if text:
                items.extend(split_inline_items(text))
    return title, items


def _take_head(draft: Draft) -> str | None:
    """Take the feedback number and a labelled lead (「问题：…」) out of the draft's head; return the number."""
    parts = draft.parts
    head = draft.head
    feedback_no = None
    m = FEEDBACK_NO.match(head) or FEEDBACK_NO_AT_END.search(head)
    if m:
        feedback_no, head = m.group(1), (head[:m.start()] + head[m.end():]).strip()
        draft.head = head
    lead = classify(0, head) if head else None
    if lead is not None and lead.label and lead.level is None:
        parts.setdefault(lead.label, []).insert(0, [lead.value] if lead.value else [])
        draft.head = ""
        if lead.label == "problem" and draft.head_more:
            parts[lead.label][0].extend(draft.head_more)
            draft.head_more = []
    return feedback_no


def _units_out_of(measures: list[str], units: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Move the units and deadlines written inside measures into ``units``; return the clean measures and the deadlines."""
    clean_measures = []
    inline_due: list[str] = []
    for text in measures:
        text, inline = extract_inline_units(text)
        inline_due.extend(inline.pop("deadline_text", []))
        for k, v in inline.items():
            units[k].extend(u for u in v if u not in units[k])
        if text:
            clean_measures.append(text)
    if not any(units.values()) and clean_measures:
        rest, cell = trailing_unit_cell(clean_measures[-1])
        if cell:  # a flattened row's unit column, the task's only units
            units["responsible_units"] = cell
            clean_measures = clean_measures[:-1] + ([rest] if rest else [])
    return clean_measures, inline_due


def finish_task(draft: Draft, kind: str, doc_year: int | None) -> dict[str, Any]:
    parts = draft.parts
    feedback_no = _take_head(draft)
    head = draft.head
    problem_mode = bool(
        feedback_no or {"measures", "target", "problem", "completion"} & set(parts) or kind == "closure_notice"
    )
    if problem_mode:
        problem_parts = [head] + draft.head_more + ["\n".join(i) for i in parts.get("problem", [])]
        problem = "\n".join(p for p in problem_parts if p).strip() or None
        title = _join(parts.get("title"))
        draft.head, draft.head_more = "", []
        _, measures = _measures_of(draft, title_mode=False)
    else:
        problem = None
        title, measures = _measures_of(draft, title_mode=True)
    units: dict[str, list[str]] = {k: split_units("，".join("".join(i) for i in parts.get(k, []))) for k in UNIT_KEYS}
    clean_measures, inline_due = _units_out_of(measures, units)
    units = {k: share_place_prefix(v) for k, v in units.items()}
    deadline_text = _join(parts.get("deadline"), " ") or (inline_due[-1] if inline_due else None)
    year_hint = _year_hint(deadline_text) or doc_year
    deadline, long_term = parse_deadline(deadline_text, year_hint)
    measure_text = "\n".join(clean_measures)
    milestone_year = _year_hint(deadline_text, measure_text) or doc_year
    milestones = [] if kind == "closure_notice" else (
        [ms for due in inline_due for ms in find_milestones(due, milestone_year)] + find_milestones(measure_text, milestone_year))
    if deadline_text is None and kind == "action_plan" and milestones:
        deadline, deadline_text = latest_step(measure_text, milestones, milestone_year)
    task = {
        "seq": draft.seq,
        "feedback_no": feedback_no,
        "section": [s for s in draft.section if s],
        "title": title,
        "problem": problem,
        "target": _join(parts.get("target")),
        "measures": clean_measures,
        "lead_units": units["lead_units"],
        "cooperating_units": units["cooperating_units"],
        "responsible_units": units["responsible_units"],
        "responsible_person": _join(parts.get("responsible_person"), " "),
        "deadline": deadline,
        "deadline_text": deadline_text,
        "long_term": long_term,
        "milestones": [{"date": ms.date, "text": ms.text} for ms in milestones],
        "completion": _without_closing(_join(parts.get("completion"))),
    }
    if kind not in ("closure_notice", "progress_report"):
        task["indicators"] = find_task_indicators(measure_text)
    elif target := _join(parts.get("target")):  # a notice's target may be quantified (…利用率达到76%以上)
        task["indicators"] = find_indicators(target)
    return task


def _expand_layout_tables(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Table) and find_header(merge_wrapped_header(block)) is None:
            out.extend(table_lines(block))
        else:
            out.append(block)
    return out


def build_document(blocks: list[Block], filename: str) -> dict[str, Any]:
    script = ScriptMemory()
    blocks = _expand_layout_tables(repair_blocks(blocks, script))
    text_lines = [b for b in blocks if isinstance(b, str)]
    title, title_at = find_title(text_lines)
    full_text = "\n".join(s for s in text_lines if s)
    table_text = "\n".join("\t".join(r) for b in blocks if isinstance(b, Table) for r in b.rows)
    kind = find_kind(title, full_text + "\n" + table_text)
    doc_year = _year_hint(full_text)

    classified: list[Line] = []
    drafts: list[Draft] = []
    no = 0
    for block in blocks:
        if isinstance(block, Table):
            drafts.extend(table_drafts(block, no))
            no += len(block.rows)
            continue
        no += 1
        if block and block != title and not (no - 1 == title_at):
            classified.extend(classify(no, piece) for piece in split_label_runs(block))
    unparsed: list[dict[str, Any]] = []
    incumbent = "row_table" if drafts else "numbered_structure"  # tasks from a table's rows, else the headings
    if not drafts:
        drafts, unparsed = build_drafts(classified, kind, title)
    tasks = [finish_task(d, kind, doc_year) for d in drafts]
    own_title = find_own_title(text_lines)
    layout = best_result(
        [s for s in text_lines if s],
        Context(kind, doc_year, own_title),
        LayoutResult(incumbent, tasks, used_chars(tasks), unparsed),
    )
    tasks = layout.tasks
    unparsed = unplaced_lines(text_lines, tasks, layout.warnings, [own_title or ""] + goal_lines([s for s in text_lines if s]))

    opening = "\n".join([s for s in text_lines if s][:60])
    inspection = find_inspection(title, opening)
    stats = find_counts(full_text, inspection)
    period = find_period(own_title or title)
    final_kind = decide_kind(own_title, full_text, tasks, stats)
    assign_feedback_numbers(tasks, final_kind, own_title, opening)
    indicators = find_goal_indicators([s for s in text_lines if s], period) if final_kind not in NO_GOALS else []
    measurements = find_measurements(reported_text(final_kind, full_text, tasks), final_kind == "progress_report")
    if not (tasks or stats or inspection or indicators or measurements or _ON_TOPIC.search(full_text + table_text)):
        # a progress report with counts only, or a notice whose tasks could not be placed, is still read;
        # only a text about nothing this reader knows (no rectification, inspection or pollution) is refused
        raise IngestError("未能在文档中识别出整改任务：文件内容与督察整改无关，或版式无法识别")
    doc = {
        "document": filename,
        "kind": final_kind,
        "title": own_title,
        "region": find_issuer_region(own_title, [s for s in text_lines if s]),
        "inspection": checked_inspection(inspection, own_title, opening),
        "period": period,
        "indicators": indicators,
        "measurements": measurements,
        "stats": stats,
        "tasks": tasks,
    }
    if doc["kind"] == "action_plan":
        for task in tasks:
            fill_deadline_from_steps(task, doc_year)
    elif doc["kind"] == "closure_notice" and layout.name != "labelled_fields":
        for task in tasks:
            notice_steps(task, doc_year)
    if unparsed:
        doc["unparsed"] = unparsed
    body_chars = sum(len(s) for s in text_lines) or 1
    doc["layout"] = {"name": layout.name, "used": round(min(1.0, layout.used_chars / body_chars), 3)}
    return restore_document(doc, script)
