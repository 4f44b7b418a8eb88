from __future__ import annotations

import pytest

from ingest.fields.dates import find_milestones, parse_deadline
from ingest.fields.units import extract_inline_units, split_units
from ingest.structure import classify


@pytest.mark.parametrize(("text", "expected"), [
    ("县委、县政府", ["县委", "县政府"]),
    ("甲镇党委、政府", ["甲镇党委", "甲镇政府"]),
    ("东关、西关街道办事处", ["东关街道办事处", "西关街道办事处"]),
    ("平安县、富民县、新城区政府", ["平安县政府", "富民县政府", "新城区政府"]),
    ("市交通运输局、公安局参与", ["市交通运输局", "市公安局"]),
    ("区住房和城乡建设局", ["区住房和城乡建设局"]),
    ("各乡镇及区直有关部门", ["各乡镇", "区直有关部门"]),
    ("各县(市、区)政府", ["各县(市、区)政府"]),
    ("市水利局、市林业局按职责分工负责", ["市水利局", "市林业局"]),
    ("市农业农村局等相关部门", ["市农业农村局", "相关部门"]),
    ("区直相关单位", ["区直相关单位"]),
    ("", []),
])
def test_split_units(text, expected):
    assert split_units(text) == expected


def test_inline_units_with_hexagonal_brackets():
    text, units = extract_inline_units("开展专项检查〔市林业局牵头，市公安局、自然资源局参与〕。")
    assert text == "开展专项检查。"
    assert units == {"lead_units": ["市林业局"], "cooperating_units": ["市公安局", "市自然资源局"]}


def test_parentheses_without_roles_stay_in_text():
    text, units = extract_inline_units("关停2家企业（甲公司、乙公司）")
    assert text == "关停2家企业（甲公司、乙公司）" and units == {}


@pytest.mark.parametrize(("text", "hint", "expected"), [
    ("2024年12月底", None, ("2024-12-31", False)),
    ("2024年年底前", None, ("2024-12-31", False)),
    ("2025年底", None, ("2025-12-31", False)),
    ("到2025年", None, ("2025-12-31", False)),
    ("2024年2月底前", None, ("2024-02-29", False)),
    ("2023年上半年", None, ("2023-06-30", False)),
    ("2023年第一季度", None, ("2023-03-31", False)),
    ("2023年第三季度", None, ("2023-09-30", False)),
    ("2024年6月30日", None, ("2024-06-30", False)),
    ("9月底前", 2024, ("2024-09-30", False)),
    ("长期坚持", None, (None, True)),
    ("2024年12月底前完成，长期坚持", None, ("2024-12-31", True)),
    ("立行立改", None, (None, True)),
    ("", None, (None, False)),
])
def test_parse_deadline(text, hint, expected):
    assert parse_deadline(text, hint) == expected


@pytest.mark.parametrize(("text", "dates"), [
    ("2023年10月底前，完成排口溯源；2024年年底前完成整治。", ["2023-10-31", "2024-12-31"]),
    ("确保6月底前完成。", ["2025-06-30"]),
    ("按照《2024年工作要点》推进。", []),
    ("较2020年下降5%，在2019年基础上提高。", []),
    ("“十四五”期间完成造林。", ["2025-12-31"]),
])
def test_milestones(text, dates):
    assert [m.date for m in find_milestones(text, 2025)] == dates


@pytest.mark.parametrize(("text", "level", "label"), [
    ("一、总体要求", 1, None),
    ("（三）强化执法", 2, None),
    ("(3)强化执法", 4, None),
    ("12．加强监管", 3, None),
    ("5、加强监管", 3, None),
    ("第二条 加强监管", 3, None),
    ("③开展巡查", 5, None),
    ("1.5平方公里", None, None),
    ("整改时限：2024年底", None, "deadline"),
    ("完成时限:长期坚持", None, "deadline"),
    ("责 任 人：张三", None, "responsible_person"),
    ("【整改要求】全面整改", None, "target"),
    ("协办单位：市财政局", None, "cooperating_units"),
    ("牵头部门:市水利局", None, "lead_units"),
    ("整改实施主体：各乡镇", None, "responsible_units"),
    ("2.整改措施：巡查", None, "measures"),
])
def test_classify_headings_and_labels(text, level, label):
    line = classify(1, text)
    assert (line.level, line.label) == (level, label)
