"""Doubled punctuation left by an editor or a converter (`完成整改，，并通过验收`) → one mark.

An ellipsis (…… / ...) and a dash (—— / --) are doubled on purpose and stay."""
from __future__ import annotations

import re

_DOUBLED = re.compile(r"([，,。、；;：:！!？?])\1+")


def single_punctuation(text: str) -> str:
    if not text:
        return text
    return _DOUBLED.sub(r"\1", text) if _DOUBLED.search(text) else text
