"""Dated steps: a bare year that opens a clause and a step is a milestone; a year in passing is not."""
from __future__ import annotations

import ingest
from ingest.fields.dates import find_milestones


def test_bare_year_opening_a_step_is_a_milestone():
    text = "2025年内，新增公交专用道20公里，2027年达到50公里。"
    assert [m.date for m in find_milestones(text)] == ["2025-12-31", "2027-12-31"]
    assert [m.date for m in find_milestones("2026年，完成全县“三线一单”更新。")] == ["2026-12-31"]


def test_year_in_passing_is_not_a_milestone():
    assert find_milestones("对照2019年排放清单，逐步压减燃煤总量。") == []
    assert find_milestones("较2020年下降10%。") == []


def test_action_item_takes_its_latest_step_as_deadline():
    text = ("8.推进污水管网建设。2025年内完成城东片区管网改造，到2027年底，基本实现城区管网全覆盖。"
            "（本部分工作由县住建局，县水务局等部门负责制定方案并组织实施）\n"
            "9.加强农村改厕。2026年达到80%以上。（农村改厕工作由县农业农村局牵头组织实施，各乡镇政府配合）\n")
    doc = ingest.parse(text.encode("utf-8"), "excerpt.txt")
    first, second = doc["tasks"]
    assert first["deadline"] == "2027-12-31" and first["deadline_text"] == "到2027年底"
    assert second["deadline"] == "2026-12-31"


def test_a_step_due_by_a_date_is_kept_and_a_reported_date_is_not():
    text = "备用水源应于2027年底前基本建成。加油站于2022年3月完成改造。"
    assert [m.date for m in find_milestones(text)] == ["2027-12-31"]


ACTION_PLAN = """宁川省水污染防治行动计划
一、全面控制污染物排放
（一）狠抓工业污染防治。
1.专项整治十大重点行业。制定造纸、焦化、氮肥等行业专项治理方案，2026年底前完成清洁化改造。
（二）强化城镇生活污染治理。
2.加快城镇污水处理设施建设。县城应于2027年底前具备污水收集处理能力，到2028年，污水处理率达到95%。
"""


def test_action_plan_items_take_their_latest_step_as_deadline():
    doc = ingest.parse(ACTION_PLAN.encode("utf-8"), "plan.txt")
    assert doc["kind"] == "action_plan"
    assert [t["deadline"] for t in doc["tasks"]] == ["2026-12-31", "2028-12-31"]
    assert doc["tasks"][0]["deadline_text"] == "2026年底前"


GENERAL_PART = """云岭市打赢蓝天保卫战三年行动计划实施方案
一、总体要求
（一）指导思想。坚持全民共治、源头防治，持续开展大气污染防治行动。
（二）目标指标。到2026年，全市细颗粒物浓度比2020年下降10%以上。
（三）优化产业布局。2025年，完成全市生态环境分区管控方案更新。
二、保障措施
（一）加强组织领导。各县区政府对本行政区域大气环境质量负总责。
（二）强化资金保障。2026年，市财政安排专项资金支持清洁取暖。
"""


def test_under_general_requirements_only_work_items_are_tasks():
    doc = ingest.parse(GENERAL_PART.encode("utf-8"), "plan.txt")
    (task,) = doc["tasks"]
    assert task["seq"] == "三" and task["title"] == "优化产业布局"
    assert task["section"] == ["总体要求"] and task["deadline"] == "2025-12-31"
