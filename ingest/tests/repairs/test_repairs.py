"""Each repair alone, on composed text (ingest.repairs)."""
from __future__ import annotations

import opencc
import pytest

from ingest.repairs import (
    ScriptMemory,
    drop_page_markers,
    fix_mojibake,
    fix_utf8_read_as_gbk,
    join_letter_spacing,
    normalize_width,
    repair_text,
    repair_written,
    single_punctuation,
    strip_pinyin,
    tidy_masks,
    to_simplified,
)
from ingest.repairs.masks import is_masked


def test_traditional_to_simplified_for_matching_and_back_as_written():
    written = "關於東坪縣環境保護督察反饋問題整改情況的報告"
    script = ScriptMemory()
    simple = script.simplify(written)
    assert simple == "关于东坪县环境保护督察反馈问题整改情况的报告"
    assert script.written("东坪县环境保护") == "東坪縣環境保護"
    assert script.written("PM2.5问题") == "PM2.5問題"  # learnt from the characters the document used
    assert ScriptMemory().written("东坪县") == "东坪县"  # a simplified document stays as it is
    assert to_simplified("") == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("加強(qiáng)領導(dǎo)", "加強領導"),
    ("環（huán）境", "環境"),
    ("補償?shù)额", "補償?额"),
    ("PM2.5(細顆粒物)", "PM2.5(細顆粒物)"),
])
def test_pinyin_annotations(text, expected):
    assert strip_pinyin(text) == expected


def test_gbk_read_one_byte_out_of_step():
    text = "（一）堅決"
    shifted = b"\x3f" + text.encode("gbk")[1:]
    broken = shifted.decode("gbk", errors="replace").replace("\ufffd", "?")
    assert fix_mojibake("?" + broken[1:]) != broken or fix_mojibake(text) == text
    assert fix_mojibake("没有问号的正常文字") == "没有问号的正常文字"


@pytest.mark.parametrize("text", ["市水利局牵头负责", "正常的中文文本不应改变任何字"])
def test_utf8_read_as_gbk(text):
    broken = text.encode("utf-8").decode("gbk", errors="replace")
    repaired = fix_utf8_read_as_gbk(broken)
    assert repaired != broken
    assert sum(c in text for c in repaired) >= len(text) - 3
    assert fix_utf8_read_as_gbk(text) == text


def test_full_and_half_width():
    assert normalize_width("ＰＭ２．５（细颗粒物）：４７\u3000微克") == "PM2.5(细颗粒物):47 微克"


def test_letter_spaced_heading():
    assert join_letter_spacing("东 川 县 水 利 局 工 作 任务清单") == "东川县水利局工作任务清单"
    assert join_letter_spacing("市水利局 市林业局 县政府") == "市水利局 市林业局 县政府"
    assert join_letter_spacing("责任人: 王 伟") == "责任人: 王 伟"


def test_page_numbers_and_chunk_markers():
    lines = ["1、1南河县河道整治任务清单甲乙", "丙丁内容甲乙丙丁戊己庚辛壬", "河道", "2、保洁内容甲乙丙丁戊己庚辛壬癸", "子丑",
             "3、寅卯内容甲乙丙丁戊己庚辛壬癸甲乙", "- 2 -", "第3页 共9页", "结束。"]
    assert drop_page_markers(lines) == ["南河县河道整治任务清单甲乙", "丙丁内容甲乙丙丁戊己庚辛壬",
                                        "河道保洁内容甲乙丙丁戊己庚辛壬癸", "子丑寅卯内容甲乙丙丁戊己庚辛壬癸甲乙", "结束。"]
    numbered = ["1、清理河道垃圾。", "2、拆除违建。", "3、建立长效机制。"]
    assert drop_page_markers(numbered) == numbered  # a numbered list closes its items


def test_masks_kept_as_printed():
    assert tidy_masks("根据 * 年度计划，由 ****局 负责，园区 （略） 理厂") == "根据*年度计划，由****局 负责，园区（略）理厂"
    assert is_masked("****局") and is_masked("空气质（略）") and not is_masked("市水利局")


@pytest.mark.parametrize(("text", "expected"), [
    ("已完成整改，，并通过验收。。", "已完成整改，并通过验收。"),
    ("甲、、乙", "甲、乙"),
    ("还有……以及——", "还有……以及——"),
])
def test_doubled_punctuation(text, expected):
    assert single_punctuation(text) == expected


def test_pipeline_order_and_script():
    written = "加強(qiáng)監管，，督促ＰＭ２．５下降"
    assert repair_written(written) == "加強監管,督促PM2.5下降"
    assert repair_text(written) == "加强监管,督促PM2.5下降"
    assert repair_text(opencc.OpenCC("s2t").convert("整改方案")) == "整改方案"
