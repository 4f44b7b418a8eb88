"""A document stored as one line, its headings inside the line with damaged punctuation (repairs.run_on)."""
from __future__ import annotations

import ingest
from ingest.repairs import repair_lines, split_run_on

# composed: a county water plan whose text layer lost its line breaks and half of its brackets
RUN_ON = (
    "梅岭县水污染防治工作方案为持续改善全县水环境质量,结合本县实际,制定本方案。"
    "一,总体思路坚持问题导向,统筹治水治岸。突出重点流域和重点行业,形成部门协同 群众参与的治水格局。"
    "二,主要目标到2026年,县域地表水水质稳中向好,劣五类水体全面消除。"
    "三,重点任务,一,加强工业废水治理,1.推进园区污水管网建设,全面排查园区管网破损。2025年9月底前完成排查、"
    "县工信局牵头。县住建局等配合,各乡镇政府负责落实。2.整治涉水企业,对电镀、印染企业开展专项检查,"
    "2025年12月底前完成整治。二,加强农村污水治理,1.建设农村污水处理设施,新建设施二十座,"
    "2026年6月底前建成投运。"
)


def test_long_line_is_cut_at_headings_in_sequence():
    lines = split_run_on([RUN_ON])
    assert "一、总体思路坚持问题导向" in lines
    assert "三、重点任务" in lines
    assert "（一）加强工业废水治理" in lines
    assert "（二）加强农村污水治理" in lines
    assert any(s.startswith("1.推进园区污水管网建设") for s in lines)
    assert any(s.startswith("2.整治涉水企业") for s in lines)
    # 二十座 is not a heading: 二十 does not follow a boundary and does not come next in a series
    assert not any(s.startswith(("二十", "（二十）")) for s in lines)
    # nothing is lost but the damaged numbering
    assert "".join(lines).count("推进园区污水管网建设") == 1


def test_short_lines_and_ordinary_paragraphs_are_left_alone():
    paragraph = "我县围绕一、二类水体保护开展工作,一,是加强巡查。"
    assert split_run_on([paragraph]) == [paragraph]
    lines = ["一、总体要求", "（一）指导思想", "1.加强组织领导。"]
    assert repair_lines(lines) == lines


def test_run_on_plan_gives_tasks_under_their_sections():
    doc = ingest.parse(RUN_ON.encode("utf-8"), "plan.txt")
    tasks = doc["tasks"]
    assert [t["seq"] for t in tasks] == ["1", "2", "1"]
    assert tasks[0]["section"] == ["重点任务", "加强工业废水治理"]
    assert tasks[1]["section"] == ["重点任务", "加强工业废水治理"]
    assert tasks[2]["section"] == ["重点任务", "加强农村污水治理"]
    assert tasks[0]["deadline"] == "2025-09-30"
    assert doc["title"] == "梅岭县水污染防治工作方案"


# composed: a task table flattened into one line, each numbered cell running on from the cell before
FLAT_TABLE = (
    "石门区生态环境分局落实河道保洁专项行动任务清单序号 任务内容 责任科室 完成时限(共1大项4小项)"
    "一、河道保洁1、组织对辖区内主要河道两岸垃圾开展全面清理,建立清理台账,每月更新一次。执法大队"
    "2、完善河道保洁长效管护机制,落实保洁人员和经费,确保河面无漂浮物。水生态科"
    "3、开展入河排污口排查整治,对排查发现的问题逐一建立整改清单并限期整改到位。执法大队2025年底前"
    "4、加强河道保洁宣传,在沿河村庄设置公示牌,公布举报电话并及时处理群众反映的问题。宣传科"
)


def test_flattened_list_with_one_heading_and_items_in_sequence():
    lines = split_run_on([FLAT_TABLE])
    assert "一、河道保洁" in lines
    assert [s[:2] for s in lines if s[:1].isdigit()] == ["1.", "2.", "3.", "4."]
    doc = ingest.parse(FLAT_TABLE.encode("utf-8"), "list.txt")
    assert [t["seq"] for t in doc["tasks"]] == ["1", "2", "3", "4"]
    assert all(t["section"] == ["河道保洁"] for t in doc["tasks"])


def test_one_heading_without_items_in_sequence_is_not_cut():
    line = "一、基本情况" + "我区围绕河道保洁开展了1、2次专项检查,发现问题7、8处,均已整改到位。" * 5
    assert split_run_on([line]) == [line]


def test_flattened_rows_give_their_unit_column():
    doc = ingest.parse(FLAT_TABLE.encode("utf-8"), "list.txt")
    units = [t["responsible_units"] for t in doc["tasks"]]
    assert units[0] == ["执法大队"] and units[1] == ["水生态科"] and units[3] == ["宣传科"]
    assert not any("水生态科" in m for m in doc["tasks"][1]["measures"])


def test_trailing_unit_cell_only_for_a_bare_unit_list():
    from ingest.fields.units import trailing_unit_cell

    assert trailing_unit_cell("清理河面漂浮物。县水利局、县城管局") == ("清理河面漂浮物。", ["县水利局", "县城管局"])
    for text in ("清理河面漂浮物。县水利局牵头", "清理河面漂浮物。", "清理河面漂浮物，确保全面完成", "2025年底前完成。县水利局2025"):
        assert trailing_unit_cell(text) == (text, [])
