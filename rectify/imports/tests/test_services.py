from __future__ import annotations

from typing import Any

import pytest

from rectify.imports.services import normalise_parsed, regions_named, row_gaps, split_units, validate_row


def test_split_units_keeps_brackets_whole() -> None:
    assert split_units("区生态环境分局、各县（市、区）政府，区水务局\n区直相关单位") == [
        "区生态环境分局", "各县（市、区）政府", "区水务局", "区直相关单位",
    ]
    assert split_units(" 、 ") == []


@pytest.mark.django_db
def test_regions_named(world: Any) -> None:
    assert regions_named("晋城市城区") == [world.county]
    assert regions_named("山西省晋城市城区") == [world.county]
    assert regions_named("泽州县") == [world.county2]
    assert regions_named("晋城市") == [world.city]
    assert regions_named("城区") == [world.county]
    assert regions_named("大同市城区") == []
    assert regions_named(None) == []


def test_normalise_parsed_tolerates_odd_shapes() -> None:
    doc = normalise_parsed({"tasks": [{"seq": 5, "measures": "一条措施", "lead_units": None}, "junk"], "unparsed": ["未识别"]}, "a.txt")
    task = doc["tasks"][0]
    assert task["seq"] == "5" and task["measures"] == ["一条措施"] and task["lead_units"] == []
    assert doc["unparsed"] == [{"line": None, "text": "未识别"}]
    assert doc["kind"] == "rectification_plan" and doc["document"] == "a.txt"


def test_validate_row_rules() -> None:
    ok = {"seq": "1", "problem": "问题", "deadline": "2025-06-30", "responsible_units": ["区水务局"]}
    assert validate_row(ok) == {} and row_gaps(ok) == []
    # Missing deadline or units: not an error, a gap (imported as 待完善).
    assert validate_row({**ok, "deadline": None}) == {}
    assert row_gaps({**ok, "deadline": None}) == ["缺少整改时限"]
    assert row_gaps({**ok, "deadline": None, "long_term": True}) == []
    assert "deadline" in validate_row({**ok, "deadline": "2025-02-30"})
    assert "deadline" in validate_row({**ok, "deadline": "1990-01-01"})
    assert validate_row({**ok, "responsible_units": []}) == {}
    assert row_gaps({**ok, "responsible_units": []}) == ["缺少牵头单位或责任单位"]
    assert row_gaps({**ok, "responsible_units": [], "cooperating_units": ["区水务局"]}) == ["缺少牵头单位或责任单位"]
    assert row_gaps({**ok, "responsible_units": [], "lead_units": ["市生态环境局"]}) == []
    assert "problem" in validate_row({**ok, "problem": None})
    assert "milestones" in validate_row({**ok, "milestones": [{"date": "2025-13-01", "text": "x"}]})
    assert validate_row({"skip": True}) == {} and row_gaps({"skip": True}) == []
