"""Row tables (tab-separated, header wrapped over two rows) and two-column label/value tables (composed)."""
from __future__ import annotations

import io

import pytest

import ingest

TAB_TABLE = (
    "临江县第三轮省生态环境保护督察反馈问题整改清单\n"
    "序号\t反馈问题\t整改目标\t整改措施\t牵头单位\t责任单位\t整改时限\n"
    "1\t城区污水处理厂超负荷运行，雨季溢流。\t处理能力满足需求\t（1）扩建二期工程；（2）完成雨污分流改造。\t县住建局\t县水务局、城关镇政府\t2025年12月底\n"
    "2\t部分石灰窑无组织排放严重。\t石灰窑达标排放\t开展石灰窑专项整治。\t县生态环境局\t县工信局、县市场监管局\t2024年6月底前\n"
)

WRAPPED_HEADER = (
    "临江县督察反馈问题整改任务表\n"
    "序号\t问题\t整改\t牵头\t整改\n"
    "\t描述\t措施\t单位\t时限\n"
    "1\t城区污水处理厂超负荷运行。\t扩建二期工程\t县水务局\t2025年12月底\n"
    "2\t部分石灰窑无组织排放严重。\t开展石灰窑专项整治\t县生态环境局\t2024年6月底前\n"
)

TWO_COLUMNS = (
    "临江县督察反馈问题整改销号公示\n"
    "问题名称\t城区污水处理厂超负荷运行\n"
    "问题编号\t15\n"
    "整改目标\t处理能力满足需求\n"
    "整改措施\t扩建二期工程，完成雨污分流改造。\n"
    "责任单位\t县水务局\n"
    "整改时限\t2025年12月底\n"
    "整改完成情况\t二期工程已投入运行，雨季未再溢流。\n"
)


def _parse(text: str, name: str = "table.txt") -> dict:
    return ingest.parse(text.encode("utf-8"), name)


def test_tab_separated_rows_under_their_header():
    doc = _parse(TAB_TABLE)
    assert doc["layout"]["name"] == "row_table"
    first, second = doc["tasks"]
    assert first["measures"] == ["扩建二期工程；", "完成雨污分流改造。"]
    assert first["lead_units"] == ["县住建局"] and first["responsible_units"] == ["县水务局", "城关镇政府"]
    assert second["deadline"] == "2024-06-30"


def test_header_wrapped_over_two_rows():
    doc = _parse(WRAPPED_HEADER)
    assert [t["seq"] for t in doc["tasks"]] == ["1", "2"]
    first = doc["tasks"][0]
    assert first["problem"] == "城区污水处理厂超负荷运行。"
    assert first["lead_units"] == ["县水务局"] and first["deadline"] == "2025-12-31"


def test_two_column_label_value_rows_as_text():
    doc = _parse(TWO_COLUMNS)
    (task,) = doc["tasks"]
    assert task["seq"] == "15" and task["title"] == "城区污水处理厂超负荷运行"
    assert task["responsible_units"] == ["县水务局"] and task["deadline"] == "2025-12-31"
    assert task["completion"] == "二期工程已投入运行，雨季未再溢流。"


def test_two_column_label_value_table_in_docx():
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("临江县督察反馈问题整改销号公示")
    rows = [line.split("\t") for line in TWO_COLUMNS.splitlines()[1:]]
    table = d.add_table(rows=len(rows), cols=2)
    for cells, (label, value) in zip(table.rows, rows, strict=True):
        cells.cells[0].text, cells.cells[1].text = label, value
    buf = io.BytesIO()
    d.save(buf)
    doc = ingest.parse(buf.getvalue(), "notice.docx")
    (task,) = doc["tasks"]
    assert task["seq"] == "15" and task["target"] == "处理能力满足需求"
    assert task["completion"] == "二期工程已投入运行，雨季未再溢流。"


TASK_BLOCKS = """临江县督察反馈问题整改方案
一、城区污水处理厂超负荷运行，雨季溢流。
整改目标：处理能力满足需求。
整改措施：1.扩建二期工程；2.完成雨污分流改造。
责任单位：县水务局
责任人：王某某
整改时限：2025年12月底
二、部分石灰窑无组织排放严重。
整改目标：石灰窑达标排放。
整改措施：开展石灰窑专项整治。
责任单位：县生态环境局
整改时限：立行立改，长期坚持
"""


def test_task_blocks_with_measures_numbered_on_one_line():
    doc = _parse(TASK_BLOCKS)
    first, second = doc["tasks"]
    assert first["measures"] == ["扩建二期工程；", "完成雨污分流改造。"]
    assert first["responsible_person"] == "王某某" and first["deadline"] == "2025-12-31"
    assert second["measures"] == ["开展石灰窑专项整治。"] and second["long_term"] is True


PETITIONS = (
    "中央第三生态环境保护督察组交办群众信访举报件办理情况公示（第十二批）\n"
    "序号\t受理编号\t交办问题基本情况\t行政区域\t污染类型\t调查核实情况\t是否属实\t处理和整改情况\t责任人被处理情况\n"
    "1\tX3QH202306120015\t青石镇某采石场夜间生产，粉尘和噪声扰民。\t青石县\t大气,噪声\t经现场核查，夜间存在生产行为。\t属实\t"
    "责令停止夜间生产，完善喷淋抑尘设施，已完成整改。\t无\n"
    "2\tD3QH202306120021\t河口村养殖场粪污直排小溪。\t河口区\t水\t经核查，粪污收集池满溢。\t部分属实\t责令清理溢流粪污，扩建收集池。\t约谈养殖场负责人\n"
)

PETITION_LABELS = """关于信访件办理情况的公示
受理编号：X3QH202306120015
举报内容：青石镇某采石场夜间生产，粉尘和噪声扰民。
包案领导：副县长赵某某
办理结果：责令停止夜间生产，完善喷淋抑尘设施，已完成整改。
"""


def test_petition_table_numbers_and_columns_without_a_field():
    doc = _parse(PETITIONS)
    first, second = doc["tasks"]
    assert first["seq"] == "X3QH202306120015" and second["seq"] == "D3QH202306120021"
    assert first["completion"].startswith("责令停止夜间生产")
    assert first["responsible_person"] is None and first["section"] == []


def test_petition_labels():
    (task,) = _parse(PETITION_LABELS)["tasks"]
    assert task["seq"] == "X3QH202306120015"
    assert task["problem"] == "青石镇某采石场夜间生产，粉尘和噪声扰民。"
    assert task["responsible_person"] == "副县长赵某某"
    assert task["completion"].startswith("责令停止夜间生产")


def test_four_column_label_value_form_in_docx():
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("临江县督察反馈问题整改销号审批表")
    rows = [("问题编号", "21", "责任单位", "县水务局"),
            ("整改时限", "2025年6月底", "责任人", "县水务局局长"),
            ("反馈问题", "城区污水处理厂超负荷运行，雨季溢流。", "整改目标", "处理能力满足需求"),
            ("整改完成情况", "二期工程已投入运行。", "公示时间", "2025年7月1日至7日")]
    table = d.add_table(rows=len(rows), cols=4)
    for cells, values in zip(table.rows, rows, strict=True):
        for cell, text in zip(cells.cells, values, strict=True):
            cell.text = text
    buf = io.BytesIO()
    d.save(buf)
    (task,) = ingest.parse(buf.getvalue(), "form.docx")["tasks"]
    assert task["seq"] == "21" and task["responsible_units"] == ["县水务局"]
    assert task["deadline"] == "2025-06-30" and task["responsible_person"] == "县水务局局长"
    assert task["problem"] == "城区污水处理厂超负荷运行，雨季溢流。"
    assert task["completion"] == "二期工程已投入运行。"


GAPPED = (
    "临江县督察反馈问题整改任务表\n"
    "序号   反馈问题                     整改措施             责任单位       整改时限\n"
    "1      城区污水处理厂超负荷运行。   扩建二期工程         县水务局       2025年12月底\n"
    "2      部分石灰窑无组织排放严重。   开展石灰窑专项整治   县生态环境局   2024年6月底前\n"
    "临江县人民政府          2024年1月5日\n"
)


def test_rows_laid_out_with_wide_gaps():
    first, second = _parse(GAPPED)["tasks"]
    assert first["problem"] == "城区污水处理厂超负荷运行。" and first["responsible_units"] == ["县水务局"]
    assert second["deadline"] == "2024-06-30"


NOTICE_TABLE = (
    "临江县督察反馈问题整改销号公示\n"
    "序号\t反馈问题\t整改目标\t整改措施\t整改完成情况\n"
    "1\t城区污水处理厂超负荷运行。\t2026年底前处理能力满足需求\t2025年6月底前完成二期扩建。\t二期已投运。\n"
)


def test_notice_table_takes_the_last_step_of_its_measures_as_deadline():
    doc = _parse(NOTICE_TABLE)
    assert doc["kind"] == "closure_notice" and doc["layout"]["name"] == "row_table"
    (task,) = doc["tasks"]
    assert task["deadline"] == "2025-06-30"  # the target's 2026 is a dated step, not the deadline
    assert [m["date"] for m in task["milestones"]] == ["2026-12-31", "2025-06-30"]
