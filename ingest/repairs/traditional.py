"""Traditional → simplified script for matching (OpenCC t2s), and back to the script as written.

The layouts and fields match on simplified text. `ScriptMemory` remembers, character by
character, what each simplified character stood for in this document, so that the emitted text
can be given back as its author wrote it (`盤錦市大洼區` stays traditional).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


class ScriptMemory:
    """Simplified character → the written character it most often stands for in one document."""

    def __init__(self) -> None:
        self._seen: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._table: dict[int, str] | None = None

    def simplify(self, written: str) -> str:
        simple = to_simplified(written)
        if simple != written and len(simple) == len(written):
            for s, w in zip(simple, written, strict=True):
                if s != w:
                    self._seen[s][w] += 1
            self._table = None
        return simple

    @property
    def changed(self) -> bool:
        return bool(self._seen)

    def written(self, text: str) -> str:
        """``text`` in the script the document was written in."""
        if not self._seen or not text:
            return text
        if self._table is None:
            self._table = {ord(s): c.most_common(1)[0][0] for s, c in self._seen.items()}
        return text.translate(self._table)
