"""Emitted text keeps Chinese (full-width) punctuation; ASCII stays inside numbers, dates and Latin words."""
from __future__ import annotations

import json

import pytest

import ingest
from ingest.punct import chinese_punctuation

# composed for these tests: a plan written with full-width punctuation
WIDE_PLAN = """松溪县落实省生态环境保护督察反馈意见整改方案
一、整改任务清单
（一）大气环境问题
1.（反馈问题2）：城郊砂石料场露天堆放，细颗粒物（PM2.5）浓度冬季偏高；周边群众反映强烈。
整改目标：料场全部封闭，扬尘投诉明显下降。
整改措施：
（1）逐一排查料场，2024年9月底前建立问题清单；对无手续料场依法取缔。
（2）安装视频监控，每日10:30前上报巡查结果（含1,500平方米以上料场）。
责任单位：各县（市、区）政府、县自然资源局
责 任 人：县政府分管副县长（兼）
整改时限：2024-12-31
"""

# the same plan typed with half-width punctuation throughout
NARROW_PLAN = (
    WIDE_PLAN.replace("，", ",").replace("；", ";").replace("：", ":")
    .replace("（", "(").replace("）", ")")
)

HALF_WIDTH = set(",;:()?!")


def _task(text: str) -> dict:
    doc = ingest.parse(text.encode("utf-8"), "plan.txt")
    (task,) = doc["tasks"]
    return task


@pytest.mark.parametrize("text", [WIDE_PLAN, NARROW_PLAN], ids=["full-width", "half-width"])
def test_problem_measures_units_keep_chinese_punctuation(text):
    task = _task(text)
    assert task["problem"] == "城郊砂石料场露天堆放，细颗粒物（PM2.5）浓度冬季偏高；周边群众反映强烈。"
    assert task["target"] == "料场全部封闭，扬尘投诉明显下降。"
    assert task["measures"] == [
        "逐一排查料场，2024年9月底前建立问题清单；对无手续料场依法取缔。",
        "安装视频监控，每日10:30前上报巡查结果（含1,500平方米以上料场）。",
    ]
    assert task["responsible_units"] == ["各县（市、区）政府", "县自然资源局"]
    assert task["responsible_person"] == "县政府分管副县长（兼）"
    assert task["section"] == ["整改任务清单", "大气环境问题"]
    assert task["deadline"] == "2024-12-31" and task["deadline_text"] == "2024-12-31"
    assert task["milestones"] == [{"date": "2024-09-30", "text": "2024年9月底前建立问题清单"}]


def test_half_width_document_has_no_ascii_punctuation_next_to_chinese():
    task = _task(NARROW_PLAN)
    texts = [task["problem"], task["target"], *task["measures"], *task["responsible_units"], task["responsible_person"]]
    for s in texts:
        for i, ch in enumerate(s):
            if ch in HALF_WIDTH:
                neighbours = s[max(0, i - 1):i] + s[i + 1:i + 2]
                assert not any("\u4e00" <= c <= "\u9fff" for c in neighbours), (s, i)
    joined = json.dumps(task, ensure_ascii=False)
    assert "PM2.5" in joined and "10:30" in joined and "1,500" in joined and "2024-12-31" in joined


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("排查,2025年3月底前建立台账;", "排查，2025年3月底前建立台账；"),
        ("是否达标?立即整改!", "是否达标？立即整改！"),
        ("细颗粒物(PM2.5)浓度", "细颗粒物（PM2.5）浓度"),
        ("完成率:95%", "完成率：95%"),
        ("措施如下:(1)巡查;(2)督办", "措施如下：（1）巡查；（2）督办"),
        ("PM2.5", "PM2.5"),
        ("(PM2.5)", "(PM2.5)"),
        ("1,000 tons at 10:30, 2023-06-30", "1,000 tons at 10:30, 2023-06-30"),
        ("截至10:30,共1,000件", "截至10:30，共1,000件"),
        ("", ""),
    ],
)
def test_chinese_punctuation(raw, expected):
    assert chinese_punctuation(raw) == expected


def test_file_name_and_dates_are_not_touched():
    doc = ingest.parse(NARROW_PLAN.encode("utf-8"), "松溪(报送稿),终版.txt")
    assert doc["document"] == "松溪(报送稿),终版.txt"
    assert doc["title"] == "松溪县落实省生态环境保护督察反馈意见整改方案"
