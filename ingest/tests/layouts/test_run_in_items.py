"""Prose paragraphs with run-in headings (composed excerpt of a plan quoted in a news item)."""
from __future__ import annotations

import ingest

NEWS = """临川市打好碧水保卫战三年行动计划出台
2021-04-12
强化城镇污水治理。加快补齐城镇污水收集管网短板，推进雨污分流改造。
2021年完成改造管网40公里；到2022年底，县级以上城市建成区基本消除生活污水直排口。
严格入河排污口管理，2023年底前完成全市入河排污口排查整治。（责任部门：市住建局、市生态环境局、市水利局、各县（区）人民政府）
推进农业面源污染防治。实施化肥农药减量增效行动，到2023年，主要农作物化肥利用率达到43%以上。（市农业农村局牵头，市生态环境局配合）
"""

STORY = """春风镇开展生态环境保护志愿活动
加强宣传引导。镇团委组织志愿者走进村组，发放倡议书两千余份。
活动当天共清理河道垃圾三吨，群众反响良好。
"""


def _parse(text: str) -> dict:
    return ingest.parse(text.encode("utf-8"), "news.txt")


def test_run_in_headings_open_unnumbered_items():
    doc = _parse(NEWS)
    assert doc["layout"]["name"] == "run_in_items"
    first, second = doc["tasks"]
    assert first["seq"] is None and first["title"] == "强化城镇污水治理"
    (measure,) = first["measures"]
    assert measure.startswith("加快补齐城镇污水收集管网短板") and measure.endswith("入河排污口排查整治。")
    assert first["responsible_units"] == ["市住建局", "市生态环境局", "市水利局", "各县（区）人民政府"]
    assert first["deadline"] == "2023-12-31"
    assert [m["date"] for m in first["milestones"]] == ["2021-12-31", "2022-12-31", "2023-12-31"]
    assert second["title"] == "推进农业面源污染防治"
    assert second["lead_units"] == ["市农业农村局"] and second["cooperating_units"] == ["市生态环境局"]


def test_a_story_without_units_or_dated_steps_has_no_items():
    doc = _parse(STORY)
    assert doc["layout"]["name"] != "run_in_items"
    assert doc["tasks"] == []


REPORT = """春风县生态环境保护督察整改工作进展情况
强化组织领导。县委常委会专题研究督察整改工作6次，2023年完成全部整改任务的年度目标。
加快项目建设。2023年建成污水处理厂1座，新建管网22公里。（县住建局负责）
"""


def test_a_report_told_in_run_in_paragraphs_has_no_items():
    doc = _parse(REPORT)
    assert doc["kind"] == "progress_report"
    assert doc["tasks"] == []
