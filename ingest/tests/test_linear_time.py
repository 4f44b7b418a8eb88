"""Parsing cost grows linearly with the input, on adversarial inputs too.

Every regular expression ``ingest`` applies to user text is written without nested or adjacent
unbounded quantifiers over the same characters; this test holds the whole reader and each
field parser to it. Each parser is timed on one input at sizes n, 10n and 20n: linear cost
gives ratios near 10 and 20, quadratic 100 and 400. The bar is generous: a parser fails when
its cost grows faster than n^1.5 both over the whole range (20n against n: ~89 times) and at
its top (20n against 10n: ~2.8 times), so neither a busy machine nor a cache that flatters the
smallest size fails it; a quadratic parser fails it by far, a cubic one by the time budget.
"""
from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable

import pytest

import ingest
from ingest import repairs, structure
from ingest.facts import goals
from ingest.fields import counts, dates, feedback, indicators, inspection, stats, units
from ingest.repair import repair_text

N = 1000
MAX_EXPONENT = 1.5
BUDGET = 3.0  # seconds for the largest size: far more than any linear parser needs


def _txt(text: str) -> None:
    try:
        ingest.parse(("关于印发整改方案的通知\n一、大气污染防治\n1.整改任务\n" + text + "\n").encode("utf-8"), "plan.txt")
    except ingest.IngestError:
        pass  # refusing the input is fine; taking quadratic time over it is not


PARSERS: dict[str, Callable[[str], object]] = {
    "parse": _txt,
    "parse_deadline": dates.parse_deadline,
    "find_dates": lambda t: dates.find_dates(t, 2024, bare_years=True),
    "find_milestones": lambda t: dates.find_milestones(t, 2024),
    "split_units": units.split_units,
    "extract_inline_units": units.extract_inline_units,
    "find_inspection": lambda t: inspection.find_inspection(t[:200], t),
    "find_stats": stats.find_stats,
    "find_indicators": lambda t: indicators.find_indicators(t, 2025),
    "find_measurements": indicators.find_measurements,
    "find_task_indicators": lambda t: indicators.find_task_indicators(t, 2025),
    "repair_text": repair_text,
    "repair_lines": lambda t: repairs.repair_lines(t.split("\n")),
    "fix_utf8_read_as_gbk": repairs.fix_utf8_read_as_gbk,
    "join_letter_spacing": repairs.join_letter_spacing,
    "tidy_masks": repairs.tidy_masks,
    "single_punctuation": repairs.single_punctuation,
    "find_counts": counts.find_counts,
    "goal_lines": lambda t: goals.goal_lines(t.split("\n")),
    "document_feedback_no": lambda t: feedback.document_feedback_no(t[:200], t),
    "split_label_runs": structure.split_label_runs,
    "split_numbered": structure.split_numbered,
    "classify": lambda t: structure.classify(1, t),
}

# (repeated piece, prefix, suffix): each aims at a quantifier that could backtrack.
INPUTS: dict[str, tuple[str, str, str]] = {
    "digits": ("1", "", "x"),
    "digits_then_unit": ("1", "达到", "吨x"),
    "spaces_in_deadline": (" ", "2024", "年x"),
    "spaces_after_label": (" ", "责任单位", "x"),
    "spaces_in_feedback_no": (" ", "（反馈问题", "x"),
    "question_marks": ("?", "", "中"),
    "blank_lines": ("\n", "", "（1）x"),
    "open_brackets": ("（", "", "x"),
    "title_marks": ("《", "", "x"),
    "etc": ("等", "市", "部门"),
    "years": ("2024年", "到", "x"),
    "verbs": ("完成", "", "x"),
    "comparators": ("达到1%的", "", ""),
    "labels": ("责任单位：", "", ""),
    "numbered": ("（1）", "", ""),
    "han": ("中", "", "x"),
    "spaced_han": ("中 ", "", "x"),
    "stars": ("* ", "", "局"),
    "quotes": ("“", "", "”"),
    "doubled_commas": ("，", "甲", "乙"),
    "chunk_markers": ("1、甲\n", "", "x"),
    "rare_han": ("鐜", "", "x"),
    "run_on_headings": ("。一,甲,1.乙", "", "x"),
}


def _cost(parser: Callable[[str], object], text: str) -> float:
    best = math.inf
    gc.disable()  # as timeit does: collections triggered by other objects are not the parser's cost
    try:
        for _ in range(3):
            start = time.thread_time()
            parser(text)
            best = min(best, time.thread_time() - start)
            if best > BUDGET:
                break
    finally:
        gc.enable()
    return best


def _growth(parser: Callable[[str], object], piece: str, prefix: str, suffix: str) -> tuple[float, list[float]]:
    """The growth exponent of the cost (the smaller of whole range and top), and the times."""
    times = []
    for factor in (1, 10, 20):
        times.append(_cost(parser, prefix + piece * (N * factor) + suffix))
        if times[-1] > BUDGET:
            return math.inf, times
    floor = 2e-5  # a parser that answers in microseconds is not timed below this
    small, middle, large = (max(t, floor) for t in times)
    whole = math.log(large / small) / math.log(20)
    top = math.log(large / middle) / math.log(2)
    return min(whole, top), times


@pytest.mark.parametrize("parser_name", sorted(PARSERS))
def test_parsing_cost_is_linear(parser_name: str) -> None:
    parser = PARSERS[parser_name]
    slow = []
    for input_name, (piece, prefix, suffix) in INPUTS.items():
        exponent, times = _growth(parser, piece, prefix, suffix)
        if exponent > MAX_EXPONENT:
            exponent, times = _growth(parser, piece, prefix, suffix)  # once more: the machine may have been busy
        if exponent > MAX_EXPONENT:
            slow.append(f"{input_name}: n^{exponent:.2f} ({', '.join(f'{t * 1000:.1f} ms' for t in times)})")
    assert not slow, f"{parser_name} costs more than linear time on: " + "; ".join(slow)
