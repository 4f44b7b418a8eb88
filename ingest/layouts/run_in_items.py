"""Prose paragraphs with run-in headings: `深化锅炉治理。加快推进…（责任部门：…）` — an unnumbered work item
whose short heading opens its first paragraph, its body running on over the paragraphs that follow
until the next run-in heading. Units come from the item's inline brackets, the deadline from its
latest dated step.
"""
from __future__ import annotations

import re

from ..fields.dates import find_milestones
from ..structure import HEADING_PATTERNS, Draft
from ..vocabulary import label_field
from . import Context, LayoutResult, used_chars

# a heading of 4–24 characters without inner punctuation, closed by 。, then the body
_RUN_IN = re.compile(r"^\s*([^，,。；;：:、（）()“”\"《》\d\s]{4,24})。\s*(\S.*)$")
_UNIT_NOTE = re.compile(r"[(（〔【][^()（）〔〕【】]{0,12}(?:牵头|配合|负责|责任(?:单位|部门)|落实)")
_LEAD_VERB = re.compile(r"^(?:加快|加强|深化|推进|推动|强化|严格|实施|开展|完善|健全|建立|控制|优化|提升|提高|全面|大力|积极|"
                        r"持续|着力|切实|坚决|扎实|规范|整治|治理|淘汰|调整|促进|落实|深入|做好|抓好|构建|打好|打赢)")


def _is_run_in(line: str) -> re.Match[str] | None:
    m = _RUN_IN.match(line)
    if not m or label_field(line) or any(rx.match(line) for _, rx in HEADING_PATTERNS):
        return None
    return m if _LEAD_VERB.match(m.group(1)) else None


class RunInItems:
    name = "run_in_items"

    def detect(self, lines: list[str]) -> float:
        if any(level <= 3 and rx.match(line) for line in lines[:400] for level, rx in HEADING_PATTERNS):
            return 0.0  # numbered items are the numbered structure's
        heads = [i for i, line in enumerate(lines) if _is_run_in(line)]
        if not heads:
            return 0.0
        body = "\n".join(lines[heads[0]:])
        return float(len(heads)) if _UNIT_NOTE.search(body) or find_milestones(body) else 0.0

    def extract(self, lines: list[str], context: Context) -> LayoutResult:
        from ..document import finish_task

        if context.kind in ("progress_report", "closure_notice"):
            return LayoutResult(self.name, [], 0)  # a report's run-in paragraphs tell what was done
        drafts: list[Draft] = []
        for no, line in enumerate(lines, 1):
            m = _is_run_in(line)
            if m:
                draft = Draft("", no, 0, [], "")
                draft.parts["title"] = [[m.group(1)]]
                draft.parts["measures"] = [[m.group(2).strip()]]
                drafts.append(draft)
            elif drafts and line.strip():
                drafts[-1].add("measures", line.strip(), new_item=False)
        tasks = []
        for draft in drafts:
            task = finish_task(draft, "action_plan", context.doc_year)
            task["seq"] = None
            tasks.append(task)
        return LayoutResult(self.name, tasks, used_chars(tasks))
