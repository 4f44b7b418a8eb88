"""Pinyin annotations a web converter put after characters: 發(fā) → 發, 償?shù) → 償?."""
from __future__ import annotations

import re

_PINYIN_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_ANNOTATION = re.compile(rf"[(（]\s{{0,3}}[a-zü]{{0,8}}[{_PINYIN_VOWELS}][a-zü]{{0,8}}\s{{0,3}}[)）]")
# a converter sometimes loses the opening bracket next to mojibake: 償?shù)
_PINYIN_AFTER_LOST_BYTE = re.compile(rf"\?[a-zü]{{0,8}}[{_PINYIN_VOWELS}][a-zü]{{0,8}}[)）]")


def strip_pinyin(text: str) -> str:
    return _PINYIN_AFTER_LOST_BYTE.sub("?", PINYIN_ANNOTATION.sub("", text))
