"""Units named inline in a measure, by role: brackets of several shapes and a closing 由…负责."""
from __future__ import annotations

import ingest
from ingest.fields.units import extract_inline_units


def test_work_streams_each_with_their_lead_and_shared_cooperators():
    text = ("推进乡村河塘清淤。（河塘清淤工作由区水利局牵头组织实施，污泥处置工作由区城管局牵头组织实施，"
            "区农业农村局、区财政局等部门配合）")
    rest, units = extract_inline_units(text)
    assert rest == "推进乡村河塘清淤。"
    assert units == {"lead_units": ["区水利局", "区城管局"], "cooperating_units": ["区农业农村局", "区财政局"]}


def test_only_the_word_fuze_makes_every_listed_unit_responsible():
    rest, units = extract_inline_units("整治沿街餐饮油烟。（本部分工作由区住建局，区市场监管局、区生态环境分局等部门负责制定方案并组织实施）")
    assert rest == "整治沿街餐饮油烟。"
    assert units == {"responsible_units": ["区住建局", "区市场监管局", "区生态环境分局"]}


def test_first_listed_leads_when_the_bracket_says_so():
    rest, units = extract_inline_units("控制燃煤消费总量。（县发改局、县工信局（县能源办）、县统计局。列第一位者为牵头部门，下同）")
    assert rest == "控制燃煤消费总量。"
    assert units == {"lead_units": ["县发改局"], "cooperating_units": ["县工信局（县能源办）", "县统计局"]}


def test_labelled_bracket_and_closing_duty_sentence():
    rest, units = extract_inline_units("淘汰燃煤小锅炉。〔责任部门：市生态环境局、市市场监管局、各区县人民政府〕")
    assert rest == "淘汰燃煤小锅炉。"
    assert units["responsible_units"] == ["市生态环境局", "市市场监管局", "各区县人民政府"]
    rest, units = extract_inline_units("完成饮用水水源地规范化建设，由县水务局负责。")
    assert rest == "完成饮用水水源地规范化建设。"
    assert units == {"responsible_units": ["县水务局"]}


def test_brackets_that_are_not_unit_notes_stay_in_the_text():
    text = "淘汰10蒸吨/小时及以下燃煤锅炉（含茶水炉、经营性小煤炉），建设费用由镇政府负责，不向农户摊派。"
    assert extract_inline_units(text) == (text, {})


def test_numbered_task_list_excerpt_without_title_line():
    text = ("17.推进城区雨污分流改造。完成老城区雨污管网分流改造，到2026年底，基本消除污水直排口。"
            "（本部分工作由市住建局，市水务局、市城管局等部门负责制定方案并组织实施）\n"
            "18.加强河道保洁。建立河道日常保洁机制。（河道保洁工作由市城管局牵头组织实施，各区政府配合）\n")
    doc = ingest.parse(text.encode("utf-8"), "excerpt.txt")
    assert [t["seq"] for t in doc["tasks"]] == ["17", "18"]
    assert doc["tasks"][0]["responsible_units"] == ["市住建局", "市水务局", "市城管局"]
    assert doc["tasks"][1]["lead_units"] == ["市城管局"]
    assert doc["tasks"][1]["cooperating_units"] == ["各区政府"]


def test_section_wide_lead_is_not_part_of_the_section_name():
    text = ("一、优化交通运输结构（市交通运输局总牵头）\n"
            "（一）推进公转铁。\n"
            "1.提高铁路货运比例。大宗货物中长距离运输逐步改由铁路承担。（市交通运输局、市发改委。列第一位者为牵头部门，下同）\n"
            "2.发展多式联运。建设多式联运枢纽。（市发改委、市交通运输局）\n")
    doc = ingest.parse(text.encode("utf-8"), "plan.txt")
    task = doc["tasks"][0]
    assert task["section"] == ["优化交通运输结构", "推进公转铁"]
    assert task["lead_units"] == ["市交通运输局"] and task["cooperating_units"] == ["市发改委"]


def test_a_note_about_the_items_that_follow_is_no_unit():
    text = ("严格环境准入。〔州生态环境局牵头，州发展改革委、州工信局参与，各县（市）人民政府负责落实。"
            "以下各项工作均需各县（市）人民政府落实，不再列出。〕")
    rest, units = extract_inline_units(text)
    assert rest == "严格环境准入。"
    assert units == {"lead_units": ["州生态环境局"], "cooperating_units": ["州发展改革委", "州工信局"],
                     "responsible_units": ["各县（市）人民政府"]}


def test_lead_that_supervises():
    rest, units = extract_inline_units("整治散乱污企业。（县生态环境局、县工信局牵头督导，县公安局、县自然资源局等参与）")
    assert units == {"lead_units": ["县生态环境局", "县工信局"], "cooperating_units": ["县公安局", "县自然资源局"]}


def test_a_directive_first_sentence_is_not_the_item_heading():
    text = ("一、优化能源结构\n"
            "1.新建项目禁止配套建设燃煤自备电厂。已有自备电厂逐步实施清洁能源替代。（市发改委、市工信局。列第一位者为牵头部门）\n"
            "2.推进清洁取暖。2026年底前完成城区散煤替代。（市住建局）\n")
    first, second = ingest.parse(text.encode("utf-8"), "plan.txt")["tasks"]
    assert first["title"] is None and first["measures"][0].startswith("新建项目禁止配套建设燃煤自备电厂。")
    assert second["title"] == "推进清洁取暖"


def test_a_deadline_in_the_unit_note():
    rest, units = extract_inline_units("完善监测网络。（2026年年底前完成，市环保局牵头，市农业局、市林水局等配合）")
    assert rest == "完善监测网络。"
    assert units == {"deadline_text": ["2026年年底前"], "lead_units": ["市环保局"], "cooperating_units": ["市农业局", "市林水局"]}
    assert extract_inline_units("加强管理（2025年）") == ("加强管理（2025年）", {})
    text = "一、主要任务\n1.完善土壤监测网络。统一规划监测点位。（2026年年底前完成，市环保局牵头，市农业局配合）\n"
    (task,) = ingest.parse(text.encode("utf-8"), "plan.txt")["tasks"]
    assert task["deadline"] == "2026-12-31" and task["deadline_text"] == "2026年年底前"
    assert [m["date"] for m in task["milestones"]] == ["2026-12-31"]
    assert task["measures"] == ["统一规划监测点位。"]
