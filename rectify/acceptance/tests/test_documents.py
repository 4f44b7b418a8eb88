"""The closure announcement .docx: written, read back with python-docx, checked against GB/T 9704."""
from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from rectify.acceptance.documents import notice_docx
from rectify.acceptance.models import Announcement
from rectify.acceptance.privacy import person_names, scrub

BODY = {
    "title": "关于晋城市整改方案第3号整改任务验收销号公示",
    "problem": "城区部分河道两岸存在生活垃圾堆放问题。",
    "target": "河道两岸垃圾全部清理，建立长效保洁机制。",
    "measures": ["开展全面排查，建立问题台账", "落实河长巡河制度"],
    "completion": "已清理垃圾120吨。\n已建立巡河保洁制度。",
}


def east_asia(run: Any) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_notice_docx_layout(tmp_path: Path) -> None:
    path = tmp_path / "notice.docx"
    announcement = Announcement(starts_on=datetime.date(2025, 9, 30), ends_on=datetime.date(2025, 10, 14), working_days=5)
    path.write_bytes(notice_docx(BODY, announcement))
    doc = docx.Document(str(path))

    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1) and abs(section.page_height - Mm(297)) < Mm(0.1)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1) and abs(section.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(section.left_margin - Mm(28)) < Mm(0.1) and abs(section.right_margin - Mm(26)) < Mm(0.1)

    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    texts = [p.text for p in paragraphs]
    title = paragraphs[0]
    assert title.text == BODY["title"]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)

    headings = ["一、整改任务", "二、整改目标", "三、整改措施", "四、整改完成情况"]
    positions = [texts.index(h) for h in headings]
    assert positions == sorted(positions)
    for h in headings:
        run = paragraphs[texts.index(h)].runs[0]
        assert east_asia(run) == "黑体" and run.font.size == Pt(16)
    assert texts[positions[0] + 1] == BODY["problem"]
    assert texts[positions[1] + 1] == BODY["target"]
    assert texts[positions[2] + 1: positions[3]] == ["1. 开展全面排查，建立问题台账", "2. 落实河长巡河制度"]
    assert texts[positions[3] + 1: positions[3] + 3] == ["已清理垃圾120吨。", "已建立巡河保洁制度。"]
    assert "2025年10月14日" in texts[-1]

    body_run = paragraphs[positions[0] + 1].runs[0]
    assert east_asia(body_run) == "仿宋_GB2312" and body_run.font.size == Pt(16)
    for p in paragraphs:
        assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert p.paragraph_format.line_spacing == Pt(28)


def test_scrub_keeps_quantities_and_dates() -> None:
    names = person_names("副区长 张建国、李明")
    text = "张建国、李明负责，手机139 1234 5678，座机（0356）2021234，身份证14050219800101123X；压减1090万吨，2023年11月25日投产。"
    out = scrub(text, names)
    for secret in ("张建国", "李明", "1234 5678", "2021234", "14050219800101123X"):
        assert secret not in out
    assert "1090万吨" in out and "2023年11月25日" in out


def test_docx_is_readable_from_bytes() -> None:
    doc = docx.Document(io.BytesIO(notice_docx(BODY)))
    assert doc.paragraphs[0].text == BODY["title"]
