"""Property: shuffled, truncated and re-encoded documents never raise anything but IngestError, and the
document facts of a re-encoded document equal the original's."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ingest

from .layouts.test_labelled_fields import BRACKETS, HEADINGS, NEXT_LINE
from .layouts.test_progress_items import LETTER, LIST
from .layouts.test_run_in_items import NEWS
from .layouts.test_tables import PETITIONS, TAB_TABLE, TASK_BLOCKS, TWO_COLUMNS, WRAPPED_HEADER

DOCS = [HEADINGS, NEXT_LINE, BRACKETS, NEWS, LETTER, LIST, TAB_TABLE, WRAPPED_HEADER, TWO_COLUMNS, TASK_BLOCKS, PETITIONS,
        "截至10月底，东岭市转办的信访件320件中，已办结301件。\n52项整改任务已完成47项，其余5项正在推进。\n"]
FACTS = ("kind", "title", "region", "inspection", "period", "stats")


def _safe_parse(data: bytes) -> dict | None:
    try:
        return ingest.parse(data, "doc.txt")
    except ingest.IngestError:
        return None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.sampled_from(DOCS), seed=st.randoms(use_true_random=False), cut=st.floats(0.1, 1.0))
def test_shuffled_and_truncated_documents_never_crash(doc, seed, cut):
    lines = doc.split("\n")
    seed.shuffle(lines)
    text = "\n".join(lines)
    text = text[: max(1, int(len(text) * cut))]
    result = _safe_parse(text.encode("utf-8"))
    assert result is None or isinstance(result["tasks"], list)


@settings(max_examples=20, deadline=None)
@given(doc=st.sampled_from(DOCS), encoding=st.sampled_from(["gb18030", "utf-16", "utf-8-sig"]))
def test_re_encoded_documents_keep_their_facts(doc, encoding):
    original = _safe_parse(doc.encode("utf-8"))
    again = _safe_parse(doc.encode(encoding))
    assert original is not None and again is not None
    assert {k: again[k] for k in FACTS} == {k: original[k] for k in FACTS}


# composed for these properties: a plan with a goals section, a notice, a count-only report
GOALS_PLAN = "\n".join([
    "南岭市清洁空气行动方案（2024—2026年）",
    "一、工作目标",
    "到2026年，全市PM2.5浓度比2023年下降8%，空气质量优良天数比率达到87%以上。",
    "二、重点任务",
    "（一）推进燃煤锅炉淘汰。",
    "1.淘汰35蒸吨以下燃煤锅炉。（市生态环境局牵头，市市场监管局配合）",
])
NOTICE = "\n".join([
    "东坪县关于省级生态环境保护督察反馈问题（序号6）整改情况的公示",
    "根据督察整改要求，现将整改情况公示如下：",
    "整改目标：全县生活污水集中收集率达到70%以上。",
    "整改时限：2024年6月底前",
    "责任单位：县住房和城乡建设局",
    "整改完成情况：已新建管网12公里，全县生活污水集中收集率已达72%。",
])
REPORT = "\n".join([
    "2022年5月10日至6月10日，中央第三生态环境保护督察组对北川省开展了第二轮督察。",
    "北川市第二轮中央生态环境保护督察整改落实情况",
    "截至2024年3月底，北川市36项整改任务已完成30项，其余6项正在推进。",
    "中央督察组交办的信访件210件，已办结205件。",
])
FULL_FACTS = FACTS + ("indicators", "measurements")


def _simplified_facts(doc: dict) -> dict:
    import json

    import opencc

    return json.loads(opencc.OpenCC("t2s").convert(json.dumps({k: doc[k] for k in FULL_FACTS}, ensure_ascii=False)))


@settings(max_examples=20, deadline=None)
@given(doc=st.sampled_from([GOALS_PLAN, NOTICE, REPORT]),
       encoding=st.sampled_from(["gb18030", "utf-16", "utf-8-sig", "big5-traditional"]))
def test_re_encoded_and_traditional_documents_keep_all_their_facts(doc, encoding):
    original = _safe_parse(doc.encode("utf-8"))
    assert original is not None
    if encoding == "big5-traditional":
        import opencc

        again = _safe_parse(opencc.OpenCC("s2t").convert(doc).encode("big5", errors="replace"))
    else:
        again = _safe_parse(doc.encode(encoding))
    assert again is not None
    assert _simplified_facts(again) == _simplified_facts(original)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.sampled_from([GOALS_PLAN, NOTICE, REPORT]), seed=st.randoms(use_true_random=False),
       extra=st.sampled_from(["", "\n- 3 -\n", "\n第2页 共5页\n", "\n\n\n", "\n附件：联系人名单\n"]))
def test_shuffled_tails_and_page_chrome_keep_the_opening_facts(doc, seed, extra):
    """The facts read from a document's opening hold whatever follows it: the lines after the third
    shuffled, page numbers and blank lines inserted, the text cut after them."""
    lines = doc.split("\n")
    head, tail = lines[:3], lines[3:]
    original = _safe_parse(doc.encode("utf-8"))
    seed.shuffle(tail)
    again = _safe_parse(("\n".join(head) + extra + "\n".join(tail)).encode("utf-8"))
    assert original is not None and again is not None
    for key in ("title", "region", "inspection", "period", "indicators"):
        assert again[key] == original[key], key
    cut = _safe_parse("\n".join(head).encode("utf-8"))
    assert cut is None or {k: cut[k] for k in ("title", "region")} == {k: original[k] for k in ("title", "region")}
