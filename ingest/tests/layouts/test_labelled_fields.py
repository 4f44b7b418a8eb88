"""Fields under labels (composed notices): headings, 【】, label：value and label-then-value layouts."""
from __future__ import annotations

import ingest

HEADINGS = """关于南溪县第12项反馈问题整改销号的公示
根据有关规定，现将整改完成情况公示如下：
一、整改问题
南溪县部分乡镇污水处理设施运行不正常，出水超标。
二、整改实施主体
南溪县委、县政府
三、整改措施
（1）2023年6月底前完成管网排查；
（2）2023年12月底前完成设施提标改造。
四、整改目标
设施稳定运行，出水达标。
五、完成时限
2023年12月底
六、整改完成情况
5座污水处理设施已完成提标改造，出水稳定达标。
公示时间：2024年1月2日至1月8日
"""

NEXT_LINE = """反馈问题
北岗镇垃圾中转站渗滤液直排。
整改目标
渗滤液全部收集处理。
整改措施
建设渗滤液收集池并定期转运处理。
责任单位
北岗镇人民政府
整改完成情况
收集池已建成投用。
"""

BRACKETS = """【问题编号】A-7
【反馈问题】西河部分河段黑臭。
【整改目标】消除黑臭水体。
【整改措施】清淤截污，补水活水。
【责任单位】西河区住房和城乡建设局、水务局
【整改时限】2024年年底前
【整改完成情况】已消除黑臭。
"""


def _parse(text: str) -> dict:
    return ingest.parse(text.encode("utf-8"), "notice.txt")


def test_fields_under_headings():
    doc = _parse(HEADINGS)
    assert doc["layout"]["name"] == "labelled_fields"
    assert doc["kind"] == "closure_notice"
    (task,) = doc["tasks"]
    assert task["seq"] == "12" and task["feedback_no"] == "12"
    assert task["problem"].startswith("南溪县部分乡镇污水处理设施")
    assert task["responsible_units"] == ["南溪县委", "南溪县政府"]
    assert len(task["measures"]) == 2
    assert task["deadline"] == "2023-12-31"
    assert [m["date"] for m in task["milestones"]] == ["2023-06-30", "2023-12-31"]
    assert task["completion"].startswith("5座污水处理设施")
    assert "公示时间" not in (task["completion"] or "")


def test_label_on_one_line_value_on_the_next():
    doc = _parse(NEXT_LINE)
    (task,) = doc["tasks"]
    assert task["problem"] == "北岗镇垃圾中转站渗滤液直排。"
    assert task["target"] == "渗滤液全部收集处理。"
    assert task["measures"] == ["建设渗滤液收集池并定期转运处理。"]
    assert task["responsible_units"] == ["北岗镇人民政府"]
    assert task["completion"] == "收集池已建成投用。"


def test_bracketed_labels():
    doc = _parse(BRACKETS)
    (task,) = doc["tasks"]
    assert task["seq"] == "A-7"
    assert task["responsible_units"] == ["西河区住房和城乡建设局", "西河区水务局"]
    assert task["deadline"] == "2024-12-31"
    assert task["completion"] == "已消除黑臭。"


def test_a_repeated_field_opens_the_next_task():
    doc = _parse(NEXT_LINE + NEXT_LINE.replace("北岗镇", "南岗镇"))
    assert [t["responsible_units"] for t in doc["tasks"]] == [["北岗镇人民政府"], ["南岗镇人民政府"]]


def test_closing_lines_are_not_completion():
    doc = _parse(NEXT_LINE + "如对整改情况有异议，请在公示期间反映。\n监督电话：0000-7654321\n")
    (task,) = doc["tasks"]
    assert task["completion"] == "收集池已建成投用。"
