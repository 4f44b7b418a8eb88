"""Materialised region paths (``140000/140500/140502/``) and the regions above them."""
from __future__ import annotations

from collections.abc import Iterable


def path_prefixes(path: str) -> list[str]:
    """``140000/140500/140502/`` → the paths of the region and of every region above it, top first."""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def all_path_prefixes(paths: Iterable[str]) -> set[str]:
    """The paths of every given region and of every region above each."""
    return {prefix for path in paths for prefix in path_prefixes(path)}
