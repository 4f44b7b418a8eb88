"""Labelled fields (composed notices): long label headings, a numbered problem under its label, closing lines."""
from __future__ import annotations

import ingest

LONG_LABELS = """青禾县省环境保护督察反馈意见整改任务{编号52(8-3)}整改结果公示
一、省环境保护督察反馈意见整改任务
{编号52(8-3)}：乡镇集中式饮用水水源地规范化建设滞后。
二、整改目标
完成全县乡镇集中式饮用水水源地保护区划定和标志设置。
三、整改结果
全县12个乡镇水源地已完成保护区划定，设置界标和警示牌86块。
以上整改情况向社会公示，如有异议，请以书面形式向县整改办反馈。
"""

NUMBERED_PROBLEM = """关于第二轮省级督察反馈问题整改销号的公示
一、反馈问题
1.（反馈问题6）：城北工业集中区雨污管网混接，雨水排口旱天有污水排出。
二、整改措施
（1）开展管网混接点排查；
（2）完成混接点改造。
三、整改完成情况
已完成混接点改造43处，旱天排口无污水排出。
验收销号意见
同意验收销号
"""


def _parse(text: str) -> dict:
    return ingest.parse(text.encode("utf-8"), "notice.txt")


def test_long_label_heading_and_numbered_problem_under_it():
    doc = _parse(LONG_LABELS)
    assert doc["layout"]["name"] == "labelled_fields"
    (task,) = doc["tasks"]
    assert task["seq"] == "52(8-3)"
    assert task["problem"] == "乡镇集中式饮用水水源地规范化建设滞后。"
    assert task["target"].startswith("完成全县乡镇集中式饮用水水源地")
    assert task["completion"] == "全县12个乡镇水源地已完成保护区划定，设置界标和警示牌86块。"


def test_numbered_feedback_problem_and_closing_opinion():
    doc = _parse(NUMBERED_PROBLEM)
    assert doc["layout"]["name"] == "labelled_fields"
    (task,) = doc["tasks"]
    assert task["seq"] == "1" and task["feedback_no"] == "6"
    assert task["problem"] == "城北工业集中区雨污管网混接，雨水排口旱天有污水排出。"
    assert task["measures"] == ["开展管网混接点排查；", "完成混接点改造。"]
    assert task["completion"] == "已完成混接点改造43处，旱天排口无污水排出。"


RESTATED = """白石县省级生态环境保护督察反馈问题
第十五项整改任务完成情况公示
现对已完成整改的问题情况进行公示。
问题编号：第十五项
整改目标：全县建制村生活垃圾收运处置体系覆盖率达到95%以上。
整改时限：2022年6月底前
责任单位：县住房和城乡建设局
整改情况：省级生态环境保护督察反馈问题第十五项指出，“部分乡镇垃圾“日产日清”落实不到位，河道沿岸垃圾随意堆放”问题，我局制定专项方案，新建转运站6座，配备保洁员420名，目前该问题已完成整改。
整改结论：该问题已完成整改
"""


def test_feedback_number_from_the_title_and_problem_restated_in_the_completion():
    doc = _parse(RESTATED)
    (task,) = doc["tasks"]
    assert task["seq"] == "十五" and task["feedback_no"] == "十五"
    assert task["problem"] == "部分乡镇垃圾“日产日清”落实不到位，河道沿岸垃圾随意堆放"
    assert task["completion"].startswith("省级生态环境保护督察反馈问题第十五项指出")
    assert task["deadline"] == "2022-06-30"


SELF_CHECK = """县自然资源局：
根据整改方案要求，我县涉及的第二轮省级生态环境保护督察反馈问题“尾矿库闭库治理滞后”的问题，已落实整改措施，现将有关情况报告如下：
一、问题整改情况
督察报告指出：全县3座尾矿库未按期闭库，部分库区排洪设施损毁。
牵头单位：县应急管理局
整改目标：完成3座尾矿库闭库治理
整改时限：2025年10月底
"""


def test_the_preamble_names_the_one_problem():
    doc = _parse(SELF_CHECK)
    (task,) = doc["tasks"]
    assert task["title"] == "尾矿库闭库治理滞后"
    assert task["problem"] == "全县3座尾矿库未按期闭库，部分库区排洪设施损毁。"
    assert task["lead_units"] == ["县应急管理局"] and task["deadline"] == "2025-10-31"


LED_BY = """省委生态环境保护督察整改任务（序号12）验收公示
县水利局牵头负责的省委生态环境保护督察整改任务第12项已整改完成，并通过核查验收。现将整改情况公示如下：
一、整改任务
部分河段非法采砂屡禁不止。
二、整改措施
开展河道采砂专项整治。
三、整改完成情况
已拆除非法采砂设备9套。
"""


def test_the_preamble_names_the_unit_that_leads_the_one_task():
    doc = _parse(LED_BY)
    (task,) = doc["tasks"]
    assert task["seq"] == "12" and task["feedback_no"] is None
    assert task["lead_units"] == ["县水利局"]


PARTS_OF_COMPLETION = """一、整改任务
（一）反馈问题：部分乡镇禁养区内仍有养殖场未清退。
（二）责任单位：各镇（街道）党委、政府，市农业农村局
（三）整改时限：2021年6月底
（四）整改目标：2021年6月底前完成禁养区复查。
（五）整改措施：开展禁养区排查和复查，建立清退台账。
二、整改落实情况
（一）整改目标完成情况：已完成。
（二）整改措施落实情况：累计清退养殖场户132个，建立动态巡查机制。
"""


def test_parts_of_the_completion_keep_their_labels():
    (task,) = _parse(PARTS_OF_COMPLETION)["tasks"]
    assert task["problem"] == "部分乡镇禁养区内仍有养殖场未清退。"
    assert task["deadline"] == "2021-06-30" and task["measures"] == ["开展禁养区排查和复查，建立清退台账。"]
    assert task["completion"].split("\n") == ["整改目标完成情况：已完成。",
                                              "整改措施落实情况：累计清退养殖场户132个，建立动态巡查机制。"]


NTH_ITEMS = """关于省生态环境保护督察反馈问题整改销号情况的公示
一、第5项反馈问题
问题描述：城区餐饮油烟扰民问题突出。
整改措施：安装油烟净化设施并定期清洗。
完成情况：完成326家餐饮单位油烟净化设施安装。
二、第9项反馈问题
问题描述：乡镇污水处理设施运行不正常。
完成情况：8座设施全部稳定运行。
"""

COUNTED = """关于督察交办问题整改销号情况的公示
问题一：城区餐饮油烟扰民问题突出。
整改措施：安装油烟净化设施并定期清洗。
完成情况：完成326家餐饮单位油烟净化设施安装。
问题二：乡镇污水处理设施运行不正常。
完成情况：8座设施全部稳定运行。
"""


def test_headings_that_number_the_feedback_problem():
    first, second = _parse(NTH_ITEMS)["tasks"]
    assert (first["seq"], first["feedback_no"]) == ("5", "5") and (second["seq"], second["feedback_no"]) == ("9", "9")
    assert second["problem"] == "乡镇污水处理设施运行不正常。"


def test_counted_problems_open_tasks():
    first, second = _parse(COUNTED)["tasks"]
    assert (first["seq"], second["seq"]) == ("一", "二")
    assert first["problem"] == "城区餐饮油烟扰民问题突出。" and second["completion"] == "8座设施全部稳定运行。"
