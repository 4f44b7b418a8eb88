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
