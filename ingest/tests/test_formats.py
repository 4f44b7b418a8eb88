from __future__ import annotations

import io
import zlib

import pytest

import ingest
from ingest.tests.conftest import PLAN_TEXT

HEADER = ["序号", "反馈问题", "整改目标", "整改措施", "责任单位", "责任人", "整改时限"]
ROWS = [
    ["1", "工业园区污水直排河道", "园区污水全收集全处理", "（1）新建园区污水管网；（2）2024年9月底前完成排口封堵",
     "区生态环境局、住建局", "区长", "2024年12月底"],
    ["2", "矿山生态修复进度滞后", "完成修复任务", "编制修复方案并分年度实施", "区自然资源局", "副区长", "长期坚持"],
]


def _check_ledger(doc: dict) -> None:
    t1, t2 = doc["tasks"]
    assert t1["seq"] == "1" and t1["problem"] == "工业园区污水直排河道"
    assert t1["target"] == "园区污水全收集全处理"
    assert len(t1["measures"]) == 2
    assert t1["responsible_units"] == ["区生态环境局", "区住建局"]
    assert t1["responsible_person"] == "区长"
    assert t1["deadline"] == "2024-12-31"
    assert [m["date"] for m in t1["milestones"]] == ["2024-09-30"]
    assert t2["long_term"] is True and t2["deadline"] is None


def test_docx_paragraphs_and_task_table_in_order():
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("红河区贯彻落实省生态环境保护督察反馈意见整改方案")
    d.add_paragraph("一、总体要求")
    d.add_paragraph("以问题整改推动环境质量改善。")
    d.add_paragraph("附件：整改措施清单")
    table = d.add_table(rows=1, cols=len(HEADER))
    for cell, text in zip(table.rows[0].cells, HEADER):
        cell.text = text
    section = table.add_row().cells
    merged = section[0].merge(section[-1])
    merged.text = "一、水污染防治"
    for row in ROWS:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    buf = io.BytesIO()
    d.save(buf)
    doc = ingest.parse(buf.getvalue(), "清单.docx")
    assert doc["title"] == "红河区贯彻落实省生态环境保护督察反馈意见整改方案"
    assert doc["region"] == "红河区"
    _check_ledger(doc)
    assert doc["tasks"][0]["section"] == ["水污染防治"]


def test_docx_text_plan_without_tables():
    docx = pytest.importorskip("docx")
    d = docx.Document()
    for line in PLAN_TEXT.splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    doc = ingest.parse(buf.getvalue(), "plan.docx")
    assert doc == ingest.parse(PLAN_TEXT.encode("utf-8"), "plan.docx")


def test_xlsx_ledger_with_title_row():
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["红河区督察反馈问题整改台账"] + [None] * (len(HEADER) - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    doc = ingest.parse(buf.getvalue(), "台账.xlsx")
    assert doc["title"] == "红河区督察反馈问题整改台账"
    _check_ledger(doc)


def test_html_page_drops_navigation_and_scripts():
    body = "".join(f"<p>{line}</p>" for line in PLAN_TEXT.splitlines())
    page = (
        "<html><head><meta charset='gbk'><title>网站</title><script>var x='整改方案';</script>"
        "<style>p{color:red}</style></head><body>"
        "<div class='nav'><a href='/'>首页</a><a>通知公告</a></div>"
        f"<div class='article'>{body}</div>"
        "<div id='footer'>版权所有 网站地图</div></body></html>"
    )
    doc = ingest.parse(page.encode("gbk"), "page.html")
    assert doc["title"] == "青山县贯彻落实省生态环境保护督察反馈意见整改方案"
    assert len(doc["tasks"]) == 3
    assert "首页" not in str(doc) and "var x" not in str(doc)


def test_html_table_maps_columns():
    cells = "".join(f"<th>{h}</th>" for h in HEADER)
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in ROWS)
    page = f"<html><body><h1>红河区整改措施清单</h1><table><tr>{cells}</tr>{rows}</table></body></html>"
    _check_ledger(ingest.parse(page.encode("utf-8"), "list.htm"))


def _pdf_with_text(lines: list[str]) -> bytes:
    """A minimal PDF whose one-byte codes map to Chinese characters through a ToUnicode CMap."""
    chars = sorted({c for line in lines for c in line})
    code = {c: 0x21 + i for i, c in enumerate(chars)}
    assert len(chars) < 200
    content = b"BT /F1 12 Tf 14 TL 40 800 Td " + b"".join(
        b"(" + bytes(code[c] for c in line).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b") Tj T* "
        for line in lines
    ) + b"ET"
    bf = "\n".join(f"<{code[c]:02X}> <{ord(c):04X}>" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bf}\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 33 /LastChar 255 "
        b"/Widths [" + b" 600" * 223 + b"] /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_pdf_text_is_read():
    lines = [
        "石门县落实督察反馈意见整改方案",
        "一、整改任务",
        "1.(反馈问题2):河道采砂管理混乱。",
        "整改目标:采砂秩序规范。",
        "整改措施:开展联合执法。",
        "责任单位:县水利局、公安局",
        "整改时限:2025年3月底",
    ]
    doc = ingest.parse(_pdf_with_text(lines), "plan.pdf")
    assert doc["title"] == "石门县落实督察反馈意见整改方案"
    (task,) = doc["tasks"]
    assert task["feedback_no"] == "2"
    assert task["responsible_units"] == ["县水利局", "县公安局"]
    assert task["deadline"] == "2025-03-31"


def test_pdf_without_text_is_refused():
    blank = _pdf_with_text([" "])
    with pytest.raises(ingest.IngestError):
        ingest.parse(blank, "scan.pdf")


def test_zlib_is_available_for_pdf_streams():
    assert zlib.decompress(zlib.compress(b"x")) == b"x"


def test_html_layout_table_around_the_article():
    body = "<br>".join(PLAN_TEXT.splitlines())
    page = (
        "<html><body><table><tr><td class='menu'>首页 | 政务公开</td></tr>"
        f"<tr><td><table><tr><td>{body}</td></tr></table></td></tr></table></body></html>"
    )
    doc = ingest.parse(page.encode("utf-8"), "old.html")
    assert doc["title"] == "青山县贯彻落实省生态环境保护督察反馈意见整改方案"
    assert len(doc["tasks"]) == 3


def test_docx_automatic_numbering_is_restored():
    docx = pytest.importorskip("docx")
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("南岭县落实督察反馈意见整改方案")
    numbering = d.part.numbering_part.element
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering.append(parse_xml(
        f'<w:abstractNum {w} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int) -> None:
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))

    numbered("水污染治理", 0)
    numbered("河道垃圾清理不及时。", 1)
    d.add_paragraph("整改措施：建立保洁制度。")
    d.add_paragraph("责任单位：县水利局")
    numbered("支流水质超标。", 1)
    d.add_paragraph("整改措施：排查入河排口。")
    d.add_paragraph("责任单位：县生态环境局")
    buf = io.BytesIO()
    d.save(buf)
    doc = ingest.parse(buf.getvalue(), "auto.docx")
    assert [t["seq"] for t in doc["tasks"]] == ["1", "2"]
    assert doc["tasks"][1]["section"] == ["水污染治理"]
    assert doc["tasks"][1]["responsible_units"] == ["县生态环境局"]
