"""redact(): personal data out, dates, amounts, measurements and document numbers kept."""
from __future__ import annotations

import pytest

from rectify.core.redaction import MASK, redact


@pytest.mark.parametrize("text, expected", [
    ("联系电话：13812345678", f"联系电话：{MASK}"),
    ("手机 138 1234 5678。", f"手机 {MASK}。"),
    ("手机138-1234-5678，请回电", f"手机{MASK}，请回电"),
    ("+86 139 0351 2345", MASK),
    ("值班电话0356-2021234", f"值班电话{MASK}"),
    ("电话：(0356)2021234转8012", f"电话：{MASK}"),
    ("（0351）6012345", MASK),
    ("咨询电话 010-62345678-123 。", f"咨询电话 {MASK} 。"),
    ("身份证号140502198507121234", f"身份证号{MASK}"),
    ("身份证：14050219850712123X；", f"身份证：{MASK}；"),
    ("身份证：14050219850712123x", f"身份证：{MASK}"),
    ("联系人：张三，电话：13912345678", f"联系人：{MASK}，电话：{MASK}"),
    ("举报人：欧阳晓明。", f"举报人：{MASK}。"),
    ("信访人李四反映，", f"信访人{MASK}反映，") ,
    ("责任人：王五（副县长）", f"责任人：{MASK}（副县长）"),
    ("姓名：赵六", f"姓名：{MASK}"),
    ("值班电话：2021234。", f"值班电话：{MASK}。"),
    ("举报人王小明举报该厂夜间偷排", f"举报人{MASK}举报该厂夜间偷排"),
    ("责任人：李明、王强", f"责任人：{MASK}、王强"),
], ids=lambda v: v if len(v) < 20 else v[:20])
def test_redacts(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "2024年3月5日反馈，2024-03-05完成",
    "整改期限：2025年12月31日前",
    "20240305",
    "全市煤炭消费量控制在1090万吨以内",
    "投资13500万元，削减二氧化硫1390吨",
    "PM2.5平均浓度47微克/立方米，同比下降12.5%",
    "PM2.5浓度由52.3降至47.0",
    "晋环发〔2024〕5号、晋政办发〔2023〕112号",
    "文号：晋城市整改办〔2024〕13号",
    "反馈问题第23项，共82项任务，完成59项",
    "信访件编号：D140000202310170012",
    "转办批次第12批，件数3123件，办结3120件",
    "坐标：112.851234,35.491234",
    "面积13512345678平方米",
    "责任人为县政府",
    "联系人电话另行通知",
    "责任单位：城区人民政府",
    "统一社会信用代码：91140500MA0K1234X5",
    "6.35平方公里，年产量1.5亿吨",
])
def test_keeps(text: str) -> None:
    assert redact(text) == text


def test_known_names_and_empty() -> None:
    assert redact("") == ""
    assert redact("由王建国同志牵头", names=["王建国"]) == f"由{MASK}同志牵头"
    assert redact("联系人：王建国同志") == f"联系人：{MASK}同志"


def test_realistic_petition_paragraph() -> None:
    text = (
        "2023年10月20日，信访人：刘某某（身份证号140521197001011234，手机13703561234）反映，"
        "泽州县某煤矿堆场扬尘污染，PM10浓度超标。经查，情况属实。责任人：陈立。"
        "依据晋环罚〔2023〕45号，罚款12.5万元。联系电话：0356-3012345。"
    )
    out = redact(text)
    for secret in ["刘某某", "140521197001011234", "13703561234", "陈立", "0356-3012345"]:
        assert secret not in out
    for kept in ["2023年10月20日", "PM10", "晋环罚〔2023〕45号", "12.5万元", "情况属实"]:
        assert kept in out
