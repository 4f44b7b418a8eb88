"""The winning layout: a reading that takes a field label for plain text loses to one that reads the labels."""
from __future__ import annotations

import ingest

PETITION = """关于第二轮省生态环境保护督察转办信访件（受理编号B2HN202307150031）整改销号情况公示
根据整改销号管理办法的要求，现对已完成整改的问题情况进行公示。
一、转办问题基本情况：青林县石门镇某砖厂无组织排放粉尘，周边农田蒙尘，群众反映强烈。
二、整改情况：砖厂已完成原料堆场全封闭改造，安装喷淋抑尘设施，周边道路硬化并定时洒水。
三、验收情况：经现场查验，砖厂封闭改造和抑尘设施运行正常，整改已完成。
公示时间：2023年9月1日至2023年9月7日。
"""

NUMBERED_ITEMS = """关于挂牌督办生态环境问题整改销号的公示
交办的2个问题由我局牵头整改落实，现已完成整改，予以公示。
1. 编号3：加强南湖入湖河道整治。
整改目标：主要入湖河道水质达到Ⅲ类。
完成情况：全年入湖河道断面水质均达到Ⅲ类。
2. 编号9：完善开发区大气监测体系。
整改目标：建成开发区周界空气自动监测站4座。
完成情况：4座监测站已建成联网。
"""


def _parse(text: str) -> dict:
    return ingest.parse(text.encode("utf-8"), "notice.txt")


def test_labels_under_numbered_headings_are_fields_not_tasks():
    doc = _parse(PETITION)
    assert doc["layout"]["name"] == "labelled_fields"
    (task,) = doc["tasks"]
    assert task["seq"] == "B2HN202307150031"
    assert task["problem"].startswith("青林县石门镇某砖厂")
    assert task["completion"].startswith("砖厂已完成原料堆场全封闭改造")


def test_numbered_item_heads_open_tasks():
    doc = _parse(NUMBERED_ITEMS)
    assert doc["layout"]["name"] == "labelled_fields"
    assert [t["seq"] for t in doc["tasks"]] == ["1", "2"]
    assert doc["tasks"][1]["target"].startswith("建成开发区周界")
    assert doc["tasks"][1]["completion"] == "4座监测站已建成联网。"


PLAN_WITH_GOALS = """各县（区）人民政府，市政府各部门：
为改善全市水环境质量，结合本市实际，提出如下实施意见。
一、工作目标
总体目标：到2026年，全市地表水国控断面水质优良比例稳步提高。
具体指标：到2026年，城市黑臭水体消除比例达到95%以上。
二、主要措施
（一）加强工业污染防治。
1.推进园区污水集中处理。各工业园区应在2025年9月底前建成污水集中处理设施并稳定运行。
2.整治涉水散乱污企业。2025年底前完成排查整治，建立动态管理台账。
"""


def test_goal_and_measure_sections_are_not_task_fields():
    doc = _parse(PLAN_WITH_GOALS)
    assert doc["layout"]["name"] == "numbered_structure"
    assert [t["seq"] for t in doc["tasks"]] == ["1", "2"]
    assert doc["tasks"][0]["title"] == "推进园区污水集中处理"
    assert doc["tasks"][0]["section"] == ["主要措施", "加强工业污染防治"]  # a label word as a section heading
    assert doc["tasks"][1]["measures"] == ["2025年底前完成排查整治，建立动态管理台账。"]
