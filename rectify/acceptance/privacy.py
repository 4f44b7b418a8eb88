"""Removing personal data from text that the public will read."""
from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "×××"
MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(?:[（(]0\d{2,3}[)）]\s*|0\d{2,3}[-\s—－])\d{7,8}(?:[-转]\d{1,5})?(?!\d)|(?<!\d)0\d{2,3}\d{7,8}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")
PERSON_LABEL = re.compile(r"(责任人|联系人|举报人|负责人|经办人)(\s*[:：]\s*)[^\s，,。；;、）)]{2,4}")
PHONE_LABEL = re.compile(r"(电话|手机|联系方式)(\s*[:：]?\s*)\d{7,8}(?!\d)")
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
    if not text:
        return ""
    text = ID_NUMBER.sub(MASK, text)
    text = MOBILE.sub(MASK, text)
    text = LANDLINE.sub(MASK, text)
    text = PHONE_LABEL.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = PERSON_LABEL.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    for name in names:
        if name:
            text = text.replace(name, MASK)
    return text
