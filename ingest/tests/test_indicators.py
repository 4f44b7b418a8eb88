"""Goal sentences → indicators, reported values → measurements, the goals section of a plan (composed texts)."""
from __future__ import annotations

import pytest

import ingest
from ingest.facts.goals import goal_lines
from ingest.fields.indicators import find_indicators, find_measurements


def _keys(found):
    return [(i["name"], i["comparator"], i["value"], i["unit"], i["year"]) for i in found]


@pytest.mark.parametrize(("text", "expected"), [
    # 比…年下降 with a baseline; 降至 for a concentration
    ("到2027年，全县PM10浓度比2022年下降15%以上，PM10平均浓度降至60微克/立方米。",
     [("全县PM10浓度", "reduce_by", 15, "%", 2027), ("PM10平均浓度", "<=", 60, "微克/立方米", 2027)]),
    # 均 gives each listed name its own indicator with the shared head noun
    ("到2026年，化学需氧量、氨氮、总磷排放总量均比2021年下降8%。",
     [("化学需氧量排放总量", "reduce_by", 8, "%", 2026), ("氨氮排放总量", "reduce_by", 8, "%", 2026),
      ("总磷排放总量", "reduce_by", 8, "%", 2026)]),
    # 分别 with one value per place, the unit written once at the end
    ("甲县、乙县年均浓度分别控制在55、62微克/立方米以内。",
     [("甲县年均浓度", "<=", 55, "微克/立方米", None), ("乙县年均浓度", "<=", 62, "微克/立方米", None)]),
    # values each with their unit, in the order of the names
    ("2024年，PM2.5、PM10浓度较2020年分别下降6%、9%。",
     [("PM2.5浓度", "reduce_by", 6, "%", 2024), ("PM10浓度", "reduce_by", 9, "%", 2024)]),
    # a concentration that 达到 a level may not exceed it; 左右 is an approximate level
    ("到2030年，细颗粒物未达标县平均浓度达到35微克/立方米；森林覆盖率达到68%左右。",
     [("细颗粒物未达标县平均浓度", "<=", 35, "微克/立方米", 2030), ("森林覆盖率", "=", 68, "%", 2030)]),
    # a bare 下降 without a baseline year, and a year kept as a level (保持…年水平) is no target year
    ("乙区氮氧化物排放量下降12%，年均浓度保持2019年水平，年均浓度控制在30微克/立方米以内。",
     [("乙区氮氧化物排放量", "reduce_by", 12, "%", None), ("年均浓度", "<=", 30, "微克/立方米", None)]),
])
def test_goal_sentences(text, expected):
    assert _keys(find_indicators(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # phrasings seen in published national and provincial targets, in sentences of our own
    ("到2028年，未达标县PM2.5浓度比 2023 年下降 12%以上，重度及以上污染天数比率控制在0.8%以内。",
     [("未达标县PM2.5浓度", "reduce_by", 12, "%", 2028), ("重度及以上污染天数比率", "<=", 0.8, "%", 2028)]),
    ("到2027年，城区细颗粒物年均浓度控制在32微克/立方米左右，人为因素导致的重污染天数减少20%以上。",
     [("城区细颗粒物年均浓度", "=", 32, "微克/立方米", 2027), ("人为因素导致的重污染天数", "reduce_by", 20, "%", 2027)]),
])
def test_published_phrasings(text, expected):
    assert _keys(find_indicators(text)) == expected


def test_year_carries_over_inside_a_goals_section():
    text = "到2026年，全州二氧化氮浓度较2021年下降5%。其中，州府所在地较2021年下降8%。\n丙县优良天数比率达到90%以上。"
    assert [i["year"] for i in find_indicators(text, carry=True)] == [2026, 2026, 2026]
    assert [i["year"] for i in find_indicators(text)] == [2026, None, None]


def test_goal_section_by_heading_and_by_label():
    lines = [
        "某州清洁空气行动方案（2024—2026年）",
        "一、总体要求",
        "坚持精准治污。到2030年基本消除重污染天气。",
        "（二）目标指标。经过三年努力，全州空气质量优良天数比率达到88%以上。",
        "到2026年，重度污染天数比率控制在0.5%以内。",
        "（三）基本原则",
        "源头防治、标本兼治。",
        "二、重点任务",
        "具体指标：各县二氧化硫排放量较2023年下降6%。",
        "丁县优良天数比率达到92%。",
        "（一）调整产业结构",
        "1.整改目标：淘汰落后产能。",
    ]
    assert goal_lines(lines) == [
        "经过三年努力，全州空气质量优良天数比率达到88%以上。",
        "到2026年，重度污染天数比率控制在0.5%以内。",
        "具体指标：各县二氧化硫排放量较2023年下降6%。",
        "丁县优良天数比率达到92%。",
    ]


def test_plan_indicators_take_the_period_end_when_no_year_is_named():
    text = "\n".join([
        "东川市蓝天保卫战行动方案（2024—2026年）",
        "一、工作目标",
        "经过三年努力，全市空气质量优良天数比率达到86%以上，PM2.5平均浓度达到32微克/立方米。",
        "二、主要任务",
        "（一）推进燃煤锅炉淘汰。市生态环境局牵头。",
    ])
    doc = ingest.parse(text.encode(), "plan.txt")
    assert _keys(doc["indicators"]) == [
        ("全市空气质量优良天数比率", ">=", 86, "%", 2026), ("PM2.5平均浓度", "<=", 32, "微克/立方米", 2026),
    ]


@pytest.mark.parametrize(("text", "dated_only", "expected"), [
    ("经监测，我县5条主要河流Ⅲ类水体比例已达80%，达到整改要求。", False, [("主要河流Ⅲ类水体比例", 80, "%", None)]),
    ("截至目前，秸秆综合利用率达到91%以上。", False, [("秸秆综合利用率", 91, "%", None)]),
    ("2023年全区PM2.5浓度为29微克/立方米，环境空气质量综合指数为3.6。", True,
     [("PM2.5浓度", 29, "微克/立方米", 2023), ("环境空气质量综合指数", 3.6, None, 2023)]),
    ("清洁能源装机占比达25%以上。", True, []),  # a report's undated figure
    ("共关停企业达到12家。", False, []),  # a count, not a rate or a concentration
])
def test_measurements(text, dated_only, expected):
    found = find_measurements(text, dated_only)
    assert [(m["name"], m["value"], m["unit"], m["year"]) for m in found] == expected


def test_closure_notice_measures_its_completion_and_quantifies_its_target():
    text = "\n".join([
        "南坪县关于省级生态环境保护督察反馈问题第十二项整改完成情况的公示",
        "问题编号：第十二项",
        "整改目标：全县规模养殖场粪污处理设施装备配套率达到98%以上。",
        "整改时限：2024年12月底前",
        "责任单位：县农业农村局",
        "整改完成情况：县农业农村局开展专项整治，全县规模养殖场粪污处理设施装备配套率已达99%。",
    ])
    doc = ingest.parse(text.encode(), "notice.txt")
    assert doc["kind"] == "closure_notice"
    assert doc["indicators"] == []
    assert [(m["name"], m["value"]) for m in doc["measurements"]] == [("规模养殖场粪污处理设施装备配套率", 99)]
    assert _keys(doc["tasks"][0]["indicators"]) == [("全县规模养殖场粪污处理设施装备配套率", ">=", 98, "%", None)]


@pytest.mark.parametrize(("text", "expected"), [
    ("2025年内，重点实施北门桥等12个易涝点改造项目，完善排水设施。", [("易涝点改造项目", 12, "个", 2025)]),
    ("近期重点抓好8条穿城河道综合整治。到2026年底，确保30家重点排污单位安装在线监测设备。",
     [("穿城河道综合整治", 8, "条", None), ("重点排污单位安装在线监测设备", 30, "家", 2026)]),
    ("2024年完成淘汰27台（含东乡5台）。", [("淘汰", 27, "台", 2024)]),
    ("到2025年，集中供水工程服务人口要达到36万人。", [("集中供水工程服务人口", 36, "万人", 2025)]),
    # a size that qualifies a kind of thing, and a count per place, are no targets
    ("按期淘汰城区10蒸吨以下燃煤小锅炉，新建35蒸吨/小时及以上锅炉须达到超低排放。", []),
    ("完成甲县16个、乙县14个乡镇空气站建设。", []),
])
def test_task_count_targets(text, expected):
    from ingest.fields.indicators import find_task_indicators

    found = find_task_indicators(text)
    assert [(i["name"], i["value"], i["unit"], i["year"]) for i in found] == expected
