"""Masks a publishing site puts over names and dates (`****局`, `* 年度`, `（略）`): kept as printed,
without the blanks the site put around them, so that a masked word still reads as one word."""
from __future__ import annotations

import re

_AROUND_STARS = re.compile(r"(?<=[\u4e00-\u9fff*])\s{1,3}(?=\*)|(?<=\*)\s{1,3}(?=[\u4e00-\u9fff〔（(])")
_AROUND_OMITTED = re.compile(r"\s{0,3}([(（]略[)）])\s{0,3}")


def tidy_masks(text: str) -> str:
    if "*" in text:
        text = _AROUND_STARS.sub("", text)
    if "略" in text:
        text = _AROUND_OMITTED.sub(r"\1", text)
    return text


def is_masked(text: str) -> bool:
    """Whether a value is (partly) masked: the reader keeps it but it cannot be matched to a name."""
    return bool(re.search(r"\*{1,}|[(（]略[)）]", text or ""))
