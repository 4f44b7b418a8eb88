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
