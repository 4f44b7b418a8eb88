"""Document-level facts from the opening lines: title, kind, region, period."""
from __future__ import annotations

import re
from typing import Any

STRONG_TITLE_WORDS = re.compile(r"整改方案|行动计划|行动方案|实施方案|工作方案|攻坚方案|销号|公示|整改落实情况|整改进展|整改情况|落实情况|措施清单|任务清单|问题清单|台账")
WEAK_TITLE_WORDS = re.compile(r"方案|计划|清单|通知|报告|意见|决定|办法|情况")
CHROME = re.compile(r"^(当前位置|您的位置|首页|网站首页|来源|发布时间|发布日期|字号|打印|分享|浏览次数|【|〖|责任编辑|附件\s{0,3}\d{0,3}\s{0,3}$)")
KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("closure_notice", re.compile(r"销号|验收.{0,6}公示|公示")),
    ("rectification_plan", re.compile(r"整改方案|整改措施清单|整改清单|整改任务清单|问题清单|整改台账")),
    ("progress_report", re.compile(r"落实情况|整改情况|进展情况|整改进展|情况报告|工作报告|完成情况")),
    ("action_plan", re.compile(r"行动计划|行动方案|攻坚方案|实施方案|工作方案|三年")),
]
_ADMIN = re.compile(r"^(?:关于|中共)?([\u4e00-\u9fff]{2,7}?(?:自治区|自治州|省|市|州|盟|县|区|旗))")
_SUB_ADMIN = re.compile(r"^([\u4e00-\u9fff]{1,4}?(?:市|县|区|旗))")
_NOT_PLACE = set("贯彻落实推动关于印发公开生态环境督察整改深入全面加强进一步的和与对厅局委办")
_PERIOD = re.compile(r"((?:19|20)\d{2})\s{0,3}(?:年)?\s{0,3}[—\-–~至到]{1,3}\s{0,3}((?:19|20)\d{2})\s{0,3}年?")


def _without_book_titles(line: str) -> str:
    return re.sub(r"《[^》]{0,300}》", "", line)


def _is_title_like(line: str) -> bool:
    return 4 <= len(line) <= 80 and not line.endswith(("。", "；", ";")) and not CHROME.match(line)


def find_title(lines: list[str]) -> tuple[str, int]:
    """The document's own title and its line index; lines may contain '' between paragraphs."""
    head = [(i, s) for i, s in enumerate(lines[:200]) if s][:40]
    for pattern in (STRONG_TITLE_WORDS, WEAK_TITLE_WORDS):
        for k, (i, line) in enumerate(head):
            if not _is_title_like(line) or not pattern.search(_without_book_titles(line)):
                continue
            if re.match(r"^([一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十]+[)）]|\d+[、.])", line):
                continue
            title = line
            if k > 0:
                j, prev = head[k - 1]
                if (j == i - 1 and _is_title_like(prev) and len(prev) <= 40 and not STRONG_TITLE_WORDS.search(prev)
                        and not prev.endswith((":", "：", ",", "，")) and not re.search(r"\d{4}年\d{1,2}月", prev)):
                    title = prev + line
            return title, i
    first = head[0] if head else (0, "")
    if re.match(r"^(\d{1,3}[、.．]|[(（][\d一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．])\D", first[1]):
        return "", -1  # an excerpt that opens on a numbered item has no title line
    return first[1][:80], first[0]


def find_kind(title: str, text: str) -> str:
    """The kind named last in the title (a Chinese title ends with its head noun), else guessed from the text."""
    bare = _without_book_titles(title)
    named = [(m.end(), -order, kind) for order, (kind, rx) in enumerate(KIND_RULES) for m in rx.finditer(bare)]
    if named:
        return max(named)[2]
    if re.search(r"整改完成情况", text) and re.search(r"销号", text):
        return "closure_notice"
    if re.search(r"整改目标|整改措施|整改时限|整改期限", text):
        return "rectification_plan"
    if re.search(r"牵头单位|牵头部门|牵头组织实施|等部门(?:配合|负责)", text):
        return "action_plan"
    return "progress_report" if re.search(r"已完成|已办结", text) else "rectification_plan"


def find_region(title: str) -> str | None:
    m = _ADMIN.match(title)
    if not m:
        return None
    region = m.group(1)
    sub = _SUB_ADMIN.match(title[m.end():])
    if sub and not (set(sub.group(1)) & _NOT_PLACE):
        region += sub.group(1)
    return region


def find_period(title: str) -> dict[str, Any] | None:
    m = _PERIOD.search(title)
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    return {"start_year": start, "end_year": end} if start <= end else None
