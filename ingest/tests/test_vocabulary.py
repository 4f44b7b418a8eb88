"""Labels by meaning: the head noun decides the field, whatever the numbering or bracket around it."""
from __future__ import annotations

import pytest

from ingest.vocabulary import OTHER, field_of, label_field, strip_numbering


@pytest.mark.parametrize(
    ("text", "bare"),
    [("一、整改问题", "整改问题"), ("（三）完成时限", "完成时限"), ("2. 整改目标", "整改目标"), ("①责任单位", "责任单位"),
     ("第五项 整改措施", "整改措施"), ("(4)牵头部门", "牵头部门"), ("三:整改完成情况:", "整改完成情况:")],
)
def test_numbering_is_stripped(text, bare):
    assert strip_numbering(text) == bare


@pytest.mark.parametrize(
    ("phrase", "field"),
    [("整改问题", "problem"), ("反馈问题", "problem"), ("转办问题基本情况", "problem"), ("交办内容", "problem"),
     ("整改目标", "target"), ("目标任务", "target"), ("重点措施", "measures"), ("具体整改措施", "measures"),
     ("整改实施主体", "responsible_units"), ("承办单位", "responsible_units"), ("牵头单位", "lead_units"),
     ("协办部门", "cooperating_units"), ("包联领导", "responsible_person"), ("完成时限", "deadline"),
     ("整改期限要求", "deadline"), ("整改完成情况", "completion"), ("整改措施落实情况", "completion"),
     ("问题编号", "seq"), ("公示时间", None), ("联系电话", None)],
)
def test_head_noun_decides_the_field(phrase, field):
    assert field_of(phrase) == field


@pytest.mark.parametrize(
    ("line", "result"),
    [("【整改目标】水质稳定达标", ("target", "水质稳定达标")), ("责任单位：区水务局", ("responsible_units", "区水务局")),
     ("二、整改措施", ("measures", "")), ("整改时限", ("deadline", "")), ("监督电话：0000-1234567", (OTHER, "0000-1234567")),
     ("区水务局对沿河排口开展排查，整改目标已经完成。", None)],
)
def test_label_lines(line, result):
    assert label_field(line) == result
