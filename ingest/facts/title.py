"""The document's own title line, or None when the text prints none (SCHEMA.md, edge cases: Title)."""
from __future__ import annotations

import re

from ..kinds import STRONG_TITLE_WORDS

_STRONG = re.compile(r"方案|计划|清单|公示|台账|情况|报告|通知|意见|决定|办法|函|通报|公告|规划")
_CHROME = re.compile(r"^[\-•·\s]*(?:当前位置|您的位置|首页|网站首页|来源|信息来源|发布时间|发布日期|发表时间|发布机构|时间发布|作者|编辑|"
                     r"字号|打印|分享|浏览次数|阅读次数|责任编辑|索引号|主题分类|主\s*题\s*词|发文机关|发文字号|成文日期|废止时间|"
                     r"文\s*号|收藏|附件\s*\d*\s*$)")
_META = re.compile(r"^[\-•·\s]*[\u4e00-\u9fff ]{1,10}[:：]\s*\S{0,40}$")
_DATE_ONLY = re.compile(r"^(?:[\d\s年月日:：.\-/]+$|(?:19|20)\d{2}[-/.年]\d{1,2})")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.,，]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．]|第[一二三四五六七八九十百\d]+[章条部])")
_SENTENCE = re.compile(r"[，,。；;！!？?]|[:：]$")
_ORIGINAL = re.compile(r"^原标题\s*[:：]\s*(.+)$")
_ORIGINAL_AT_END = re.compile(r"原标题\s*[:：]\s*([^。；;!！?？]{6,80})$")  # a news item that names its title last
_HOSTING = re.compile(r"范文|写作模板|模板与范例")  # a template site's page heading
_LABELLED = re.compile(r"^[\u4e00-\u9fff]{0,6}(?:标题|名称)\s*[:：]\s*(.*)$")
_COVERING = re.compile(r"关于印发[《<]?(.+?)[》>]?的通知$")
_PLAN_LINE = re.compile(r"^[^\s，,。；;：:]{8,60}?(?:方案|计划|清单)(?:[(（][^)）]{4,20}[)）])?$")
_GLUED = re.compile(r"^(.{6,60}?(?:方案|计划|意见|办法|清单))(?=为|根据|按照|依据|近年|[一二三四五六七八九十]+、|编号|序号)")
_TABLE_HEADER_AFTER = re.compile(
    r"^(.{6,60}?(?:方案|计划|清单|台账))(?=(?:编号|序号)[\u4e00-\u9fff]{0,6}?(?:问题|任务|单位|内容|类型|描述))"
)  # a title glued to the header of its table
_RELEASE = re.compile(r"(?:正式)?(?:发布|出台|印发)$")
_ISSUER = re.compile(r"(?:人民政府|政府|办公厅|办公室|委员会|党委|市委|县委|省委|[局厅])$")


def _title_like(line: str) -> bool:
    if line.endswith((":", "：")) and len(line) >= 10 and _STRONG.search(line[:-1]):
        line = line[:-1]
    return 6 <= len(line) <= 90 and not _SENTENCE.search(line) and not _NUMBERED.match(line)


def _names_kind(line: str) -> bool:
    return bool(STRONG_TITLE_WORDS.search(re.sub(r"《[^》]*》", "", line)))


def _is_chrome(line: str) -> bool:
    return bool(_CHROME.match(line) or _DATE_ONLY.match(line) or (_META.match(line) and not _LABELLED.match(line))
                or _HOSTING.search(line))


def _clean(title: str) -> str:
    title = re.sub(r"\s*(?:[一二三四五六七八九十]+[、.])$", "", title.strip())
    return _RELEASE.sub("", title) if len(title) > 10 else title


def _opening(lines: list[str]) -> str | None:
    """The title standing before the text begins: after page chrome, before the first sentence or heading.

    Of several title-like lines there, the first that names a kind of plan or notice wins."""
    head = _from_naming_line([s for s in lines[:30] if s.strip()])
    for i, line in enumerate(head):
        m = _ORIGINAL.match(line)
        if m:
            return m.group(1).strip()
        if _is_chrome(line):
            continue
        if not _title_like(line):
            return None
        return _with_next_line(line, next((s for s in head[i + 1:] if not _is_chrome(s)), ""))
    return None


def _from_naming_line(head: list[str]) -> list[str]:
    """Skip a strong or foreign first line when a later title line of the opening names a kind of plan or notice."""
    zone: list[int] = []
    for i, line in enumerate(head):
        if _ORIGINAL.match(line) or (not _is_chrome(line) and not _title_like(line)):
            zone.append(i)
            break
        if not _is_chrome(line):
            zone.append(i)
    naming = [i for i in zone[:4] if _title_like(head[i]) and _names_kind(head[i])]
    start = naming[0] if naming and naming[0] != zone[0] else 0
    first = head[zone[0]] if zone else ""
    if naming and start and (_STRONG.search(first) or re.search(r"[A-Za-z]{4,}", first)):
        return head[start:]
    return head


def _with_next_line(line: str, nxt: str) -> str:
    """A title line, joined with or replaced by the next line when that one continues or restates it."""
    glued = _GLUED.match(nxt)
    if glued and not _title_like(nxt):
        nxt = glued.group(1)
    squeezed = re.sub(r"[“”\"']", "", nxt)
    if nxt and _title_like(nxt) and re.sub(r"[“”\"']", "", line) in squeezed:
        return nxt
    if nxt and _title_like(nxt) and not _STRONG.search(line) and len(nxt) <= 60:
        return line + nxt
    if nxt.startswith("关于") and _ISSUER.search(line) and _title_like(nxt):
        return nxt
    return line


def find_title(lines: list[str]) -> str | None:
    """The title as written; a covering notice gives way to the plan's own title printed in the text."""
    lines = [s.strip() for s in lines]
    title = _labelled(lines) or _opening(lines)
    if title:
        m = _COVERING.search(title)
        if m:
            inner = m.group(1)
            if any(s.strip("《》 ") == inner for s in lines):
                title = inner
    if title and not _STRONG.search(title):
        plan = next((s for s in lines[:60] if _PLAN_LINE.match(s) and not _NUMBERED.match(s)), None)
        title = plan or title
    if not title:
        title = next((m.group(1).strip() for s in lines if (m := _ORIGINAL_AT_END.search(s))), None)
    title = title or _glued_or_plan_line(lines)
    if title and (header := _TABLE_HEADER_AFTER.match(title)):
        title = header.group(1)
    return _clean(title) if title else None


def _labelled(lines: list[str]) -> str | None:
    """The value of the first 「标题：…」 line (or the line after it), when it reads as a title."""
    for i, line in enumerate(lines):
        m = _LABELLED.match(line)
        if m:
            value = m.group(1).strip() or next((s for s in lines[i + 1:i + 3] if s), "")
            return value if _title_like(value) else None
    return None


def _glued_or_plan_line(lines: list[str]) -> str | None:
    """Last resort: a title glued to the text on the first line, or the first line naming a plan."""
    for line in lines:
        glued = _GLUED.match(line)
        if glued and line is lines[next(i for i, s in enumerate(lines) if s)]:
            return glued.group(1)
        if _PLAN_LINE.match(line) and not _NUMBERED.match(line):
            return line
    return None
