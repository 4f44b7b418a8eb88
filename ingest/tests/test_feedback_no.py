"""feedback_no: the feedback problem a task answers (composed texts)."""
from __future__ import annotations

import pytest

import ingest
from ingest.fields.feedback import document_feedback_no, split_head_number


@pytest.mark.parametrize(("text", "expected"), [
    ("？编号12：加强湖泊周边养殖整治。", ("12", "加强湖泊周边养殖整治。")),
    ("问题编号 5：完善园区监测体系", ("5", "完善园区监测体系")),
    ("加强湖泊周边养殖整治。", (None, "加强湖泊周边养殖整治。")),
])
def test_number_opening_a_task(text, expected):
    assert split_head_number(text) == expected


@pytest.mark.parametrize(("title", "opening", "expected"), [
    ("关于第一轮省级生态环境保护督察反馈问题（序号31）整改情况的公示", "", "31"),
    ("北川县关于省级督察反馈问题第十四项整改完成情况的公示", "", "十四"),
    ("整改销号公示", "问题编号：第六项\n整改目标：完成治理。", "六"),
    # two numbers: which one the notice is about is not known
    ("关于反馈问题第3项、反馈问题第5项整改情况的公示", "", None),
    # a petition's 受理编号 is its seq, not a feedback number
    ("信访件整改情况公示", "受理编号：X3500002023081600123", None),
])
def test_number_of_a_one_problem_notice(title, opening, expected):
    assert document_feedback_no(title, opening) == expected


def test_notice_task_gets_the_number_of_its_title():
    text = "\n".join([
        "西河县关于省级生态环境保护督察反馈问题（序号8）整改情况的公示",
        "整改目标：河道两岸垃圾全部清理。",
        "整改时限：2023年6月底前",
        "责任单位：县水利局",
        "整改完成情况：已清理河道垃圾320吨，建立巡河保洁制度。",
    ])
    doc = ingest.parse(text.encode(), "notice.txt")
    assert [t["feedback_no"] for t in doc["tasks"]] == ["8"]
