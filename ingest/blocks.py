"""What every reader produces: paragraphs of text and tables, in document order."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    rows: list[list[str]] = field(default_factory=list)


Block = str | Table
