"""Removing personal data from text that the public will read."""
from __future__ import annotations

import re
from collections.abc import Iterable

from rectify.core.redaction import redact

NAME_SPLIT = re.compile(r"[、，,；;\s/（）()：:]+")


def person_names(*texts: str) -> list[str]:
    """Candidate personal names in free-form fields such as 责任人 (2–4 characters each)."""
    names: set[str] = set()
    for text in texts:
        for token in NAME_SPLIT.split(text or ""):
            if 2 <= len(token) <= 4 and not token.isascii():
                names.add(token)
    return sorted(names, key=len, reverse=True)


def scrub(text: str, names: Iterable[str] = ()) -> str:
    """The project's one redaction function, with the names found in the record's own fields."""
    return redact(text or "", names)
