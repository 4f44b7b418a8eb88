"""Progress items (composed reports): numbered problems each followed by what was done."""
from __future__ import annotations

import ingest

LETTER = """东川市人民政府关于2023年水污染防治专项审计发现问题整改情况的函
省审计厅：
现将整改情况函告如下：
一、总体情况
审计发现问题涉及我市的共4类12个具体问题，均已采取措施整改。
二、具体整改情况
（一）东川市部分污水处理厂进水浓度偏低。
该问题已完成整改。一是完成老城区雨污混接点排查；二是改造截污管网18公里。
（二）部分入河排污口未设置标识牌。
该问题正在整改。已完成36个排污口标识牌设置，其余5个年底前完成。
三、下一步工作
持续巩固整改成效。
"""

LIST = """生态环境保护督察反馈意见整改进展清单一、关于“部分地方重发展轻保护，环境保护工作部署多、落实少。”整改进展情况：已经完成，长期坚持。 1.将生态文明建设纳入干部教育培训必修课程。2.开设督察整改专栏，定期报道整改进展。
二、关于“工业园区污水集中处理设施建设滞后。”整改进展情况：正在推进。 1.三个园区污水处理厂主体已完工。
"""


def _parse(text: str) -> dict:
    return ingest.parse(text.encode("utf-8"), "report.txt")


def test_problem_headings_with_their_status_paragraph():
    doc = _parse(LETTER)
    assert doc["layout"]["name"] == "progress_items"
    first, second = doc["tasks"]
    assert first["seq"] == "一" and first["section"] == ["具体整改情况"]
    assert first["problem"] == "东川市部分污水处理厂进水浓度偏低。"
    assert first["completion"].startswith("该问题已完成整改。一是")
    assert first["measures"] == [] and first["deadline"] is None and first["milestones"] == []
    assert second["completion"].startswith("该问题正在整改")


def test_quoted_feedback_items_run_on_after_the_list_heading():
    doc = _parse(LIST)
    assert doc["layout"]["name"] == "progress_items"
    first, second = doc["tasks"]
    assert first["problem"] == "部分地方重发展轻保护，环境保护工作部署多、落实少。"
    assert first["long_term"] is True and second["long_term"] is False
    assert first["completion"].split("\n") == ["已经完成，长期坚持。", "将生态文明建设纳入干部教育培训必修课程。",
                                               "开设督察整改专栏，定期报道整改进展。"]
    assert second["seq"] == "二"
