"""Text not placed comes back as warnings with line numbers; a count-only report is a valid result."""
from __future__ import annotations

import ingest
from ingest.facts.unplaced import unplaced_lines

PLAN = "\n".join([
    "北坪县落实省生态环境保护督察反馈意见整改方案",
    "一、水环境问题",
    "1.城区污水管网老旧，雨季溢流问题突出。",
    "整改目标：2025年底前完成主城区管网改造。",
    "整改措施：排查老旧管网，分片实施改造。",
    "责任单位：县住房和城乡建设局",
    "整改时限：2025年12月底前",
    "二、固体废物问题",
    "以下问题由各乡镇对照排查，举一反三，同步整改。",
    "2.乡镇垃圾中转站渗滤液直排。",
    "整改目标：渗滤液全部收集处理。",
    "整改措施：新建渗滤液收集池，定期转运处理。",
    "责任单位：县城市管理局",
    "整改时限：2024年12月底前",
])


def _task(**fields):
    return {"title": None, "problem": None, "target": None, "completion": None, "deadline_text": None,
            "responsible_person": None, "measures": [], "lead_units": [], "cooperating_units": [],
            "responsible_units": [], "section": [], **fields}


def test_lines_inside_the_task_part_that_no_task_used():
    lines = ["东河镇整改清单", "1.河道两岸堆放建筑垃圾。", "此处是一段没有归属的说明文字内容。", "责任单位：镇城建办",
             "2.养殖场粪污外溢。", "公示时间：2024年5月1日至5月7日", "联系电话：0000-1234567", "3.沿河餐馆油烟扰民。"]
    tasks = [_task(problem="河道两岸堆放建筑垃圾。", responsible_units=["镇城建办"]),
             _task(problem="养殖场粪污外溢。"), _task(problem="沿河餐馆油烟扰民。")]
    found = unplaced_lines(lines, tasks, [])
    assert found == [{"line": 3, "text": "此处是一段没有归属的说明文字内容。"}]  # labels and notice closings are placed
    # a layout's own warning is kept once; a line the document facts were read from is placed
    known = [{"line": 3, "text": "此处是一段没有归属的说明文字内容。"}]
    assert unplaced_lines(lines, tasks, known) == known
    assert unplaced_lines(lines, tasks, [], ["此处是一段没有归属的说明文字内容。"]) == []


def test_parse_reports_the_unplaced_line_with_its_number():
    doc = ingest.parse(PLAN.encode("utf-8"), "plan.txt")
    assert len(doc["tasks"]) == 2
    assert doc["unparsed"] == [{"line": 9, "text": "以下问题由各乡镇对照排查，举一反三，同步整改。"}]


def test_count_only_progress_report_is_a_result():
    text = "\n".join([
        "西岭县第二轮省级生态环境保护督察整改落实情况",
        "截至2024年6月底，西岭县27项整改任务已完成21项，其余6项正在推进。",
        "省督察组交办的信访件143件，已办结139件（阶段性办结4件）。",
    ])
    doc = ingest.parse(text.encode("utf-8"), "report.txt")
    assert doc["kind"] == "progress_report" and doc["tasks"] == []
    assert doc["stats"] == {"tasks_total": 27, "tasks_done": 21, "tasks_in_progress": 6,
                            "petitions_received": 143, "petitions_closed": 139}
    assert doc["region"] == "西岭县"
    assert doc["inspection"]["level"] == "provincial" and doc["inspection"]["round"] == 2
    assert doc["inspection"]["team"] is None  # 省督察组 is a short reference, not the team's name
