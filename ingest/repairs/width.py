"""Full-width ASCII forms to half-width, odd spaces (ideographic, no-break, zero-width) to plain ones."""
from __future__ import annotations

_WIDE: dict[int, int | None] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDE.update({0x3000: 0x20, 0xA0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x200B: None, 0xFEFF: None})


def normalize_width(text: str) -> str:
    return text.translate(_WIDE)
