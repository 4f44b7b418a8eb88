"""Small plan documents composed for these tests, and what a correct reading of each gives.

The texts are written for the tests (not taken from any real document). ``EXPECTED`` is the
SCHEMA.md structure the parser should return; the stub parser returns it, and the same tests
run against the real ``ingest`` library when it is there.
"""
from __future__ import annotations

import copy
import functools
import io
from typing import Any

TXT_TITLE = "晋城市城区落实省级生态环境保护督察反馈问题整改工作方案"

TXT_PLAN = f"""{TXT_TITLE}

省第三生态环境保护督察组于2023年10月17日至11月16日进驻晋城市开展督察，2024年3月5日反馈了督察意见。为确保反馈问题按期整改到位，结合城区实际，制定本方案。

一、大气环境方面
1.（反馈问题3）城区部分餐饮门店油烟净化设备长期不开启，周边居民投诉不断。
整改目标：餐饮门店油烟净化设备全部正常使用，群众投诉明显减少。
整改措施：（1）开展餐饮油烟专项检查，逐店建立问题清单。（2）督促门店更换老旧净化设备。
责任单位：区生态环境分局、区市场监督管理局
整改时限：2024年12月底
2.（反馈问题5）部分建筑工地扬尘防治措施落实不到位，裸土未苫盖。
整改目标：在建工地扬尘防治措施全部落实到位。
整改措施：加强工地日常巡查，对违规工地依法查处。
责任单位：区住房和城乡建设局
整改时限：长期坚持
二、水环境方面
3.（反馈问题8）河道两岸仍有生活污水直排口未完成整治。
整改目标：完成入河排污口整治，河道水质稳定达标。
整改措施：（1）2024年10月底前完成排污口溯源。（2）2025年6月底前完成全部整治。
责任单位：区水务局、城区人民政府
整改时限：2025年6月30日
"""

INSPECTION = {
    "team": "省第三生态环境保护督察组", "level": "provincial", "round": None,
    "stationed_from": "2023-10-17", "stationed_to": "2023-11-16", "feedback_date": "2024-03-05",
}


def _task(seq: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seq": seq, "feedback_no": None, "section": [], "title": None, "problem": None, "target": None,
        "measures": [], "lead_units": [], "cooperating_units": [], "responsible_units": [],
        "responsible_person": None, "deadline": None, "deadline_text": None, "long_term": False,
        "milestones": [], "completion": None,
    }
    base.update(kw)
    return base


TXT_EXPECTED: dict[str, Any] = {
    "kind": "rectification_plan",
    "title": TXT_TITLE,
    "region": "晋城市城区",
    "inspection": INSPECTION,
    "period": None,
    "indicators": [],
    "measurements": [],
    "stats": None,
    "tasks": [
        _task(
            "1", feedback_no="3", section=["大气环境方面"],
            problem="城区部分餐饮门店油烟净化设备长期不开启，周边居民投诉不断。",
            target="餐饮门店油烟净化设备全部正常使用，群众投诉明显减少。",
            measures=["开展餐饮油烟专项检查，逐店建立问题清单。", "督促门店更换老旧净化设备。"],
            responsible_units=["区生态环境分局", "区市场监督管理局"],
            deadline="2024-12-31", deadline_text="2024年12月底",
        ),
        _task(
            "2", feedback_no="5", section=["大气环境方面"],
            problem="部分建筑工地扬尘防治措施落实不到位，裸土未苫盖。",
            target="在建工地扬尘防治措施全部落实到位。",
            measures=["加强工地日常巡查，对违规工地依法查处。"],
            responsible_units=["区住房和城乡建设局"], deadline_text="长期坚持", long_term=True,
        ),
        _task(
            "3", feedback_no="8", section=["水环境方面"],
            problem="河道两岸仍有生活污水直排口未完成整治。",
            target="完成入河排污口整治，河道水质稳定达标。",
            measures=["2024年10月底前完成排污口溯源。", "2025年6月底前完成全部整治。"],
            responsible_units=["区水务局", "城区人民政府"],
            deadline="2025-06-30", deadline_text="2025年6月30日",
            milestones=[
                {"date": "2024-10-31", "text": "2024年10月底前完成排污口溯源"},
                {"date": "2025-06-30", "text": "2025年6月底前完成全部整治"},
            ],
        ),
    ],
    "unparsed": [],
}


def txt_plan() -> bytes:
    return TXT_PLAN.encode("gbk")


def revised_txt_plan() -> tuple[bytes, dict[str, Any]]:
    """The same plan, second version: task 1 gets a later deadline, a task 4 is added."""
    extra = """4.（反馈问题11）工业园区危险废物贮存场所不规范。
整改目标：园区危险废物规范化贮存。
整改措施：对园区企业危险废物贮存场所逐一检查整改。
责任单位：区生态环境分局
整改时限：2025年3月底
"""
    text = TXT_PLAN.replace("整改时限：2024年12月底", "整改时限：2025年3月底") + extra
    expected = copy.deepcopy(TXT_EXPECTED)
    expected["tasks"][0].update(deadline="2025-03-31", deadline_text="2025年3月底")
    expected["tasks"].append(
        _task(
            "4", feedback_no="11", section=["水环境方面"], problem="工业园区危险废物贮存场所不规范。",
            target="园区危险废物规范化贮存。", measures=["对园区企业危险废物贮存场所逐一检查整改。"],
            responsible_units=["区生态环境分局"], deadline="2025-03-31", deadline_text="2025年3月底",
        )
    )
    return text.encode("gbk"), expected


DOCX_TITLE = "泽州县中央生态环境保护督察反馈问题整改措施清单"
DOCX_ROWS = [
    ("1", "部分乡镇垃圾中转站渗滤液收集设施缺失。", "中转站渗滤液全部收集处理。", "排查中转站设施，补建收集池。", "县住房和城乡建设局", "泽州县人民政府", "2025年6月底"),
    ("2", "县城集中供热燃煤锅炉超标排放。", "锅炉稳定达标排放。", "实施锅炉提标改造，安装在线监测。", "县生态环境分局", "县热力公司", "2025年12月底"),
]


@functools.lru_cache(maxsize=1)
def docx_plan() -> bytes:
    """Built once: a .docx carries time stamps, and the tests compare bytes."""
    import docx

    document = docx.Document()
    document.add_paragraph(DOCX_TITLE)
    document.add_paragraph("中央第四生态环境保护督察组反馈意见指出的问题，整改措施如下。")
    table = document.add_table(rows=1, cols=7)
    for cell, text in zip(table.rows[0].cells, ["序号", "反馈问题", "整改目标", "整改措施", "牵头单位", "责任单位", "整改时限"]):
        cell.text = text
    for row in DOCX_ROWS:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX_EXPECTED: dict[str, Any] = {
    "kind": "rectification_plan",
    "title": DOCX_TITLE,
    "region": "泽州县",
    "inspection": {"team": "中央第四生态环境保护督察组", "level": "central", "round": None,
                   "stationed_from": None, "stationed_to": None, "feedback_date": None},
    "period": None, "indicators": [], "measurements": [], "stats": None,
    "tasks": [
        _task(seq, problem=problem, target=target, measures=[measure], lead_units=[lead], responsible_units=[resp],
              deadline=deadline, deadline_text=text)
        for (seq, problem, target, measure, lead, resp, text), deadline in zip(DOCX_ROWS, ["2025-06-30", "2025-12-31"])
    ],
    "unparsed": [{"line": 2, "text": "中央第四生态环境保护督察组反馈意见指出的问题，整改措施如下。"}],
}

GARBAGE = bytes(range(256)) * 8
