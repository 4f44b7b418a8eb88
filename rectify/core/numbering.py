"""Document numbers (文号) of the documents the system issues: 销号 and 督办 notices.

A number names its issuer — ``晋城督办〔2026〕1号``, ``泽州销号〔2026〕3号`` — with the issuing
office's short name (``Region.short_name``, by default the region's name without 省/市/县/区…; a
bare 城区/郊区/矿区 takes its city's name in front). Numbers run per kind, issuer and year; the
next one is taken with one atomic upsert on ``DocumentCounter`` (``INSERT … ON CONFLICT DO UPDATE
… RETURNING``, on PostgreSQL and SQLite alike), so two offices or two clicks at the same moment
never receive the same number, and each document table has a unique constraint on
(issuer, year, seq) behind it.
"""
from __future__ import annotations

from typing import Any

from django.db import connection

CLOSURE = "销号"
SUPERVISION = "督办"
SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
            "地区", "林区", "新区", "省", "市", "县", "区", "盟", "旗")
BARE_NAMES = {"城区", "郊区", "矿区", "市辖区"}


def strip_suffix(name: str) -> str:
    """晋城市 → 晋城, 泽州县 → 泽州, 山西省 → 山西; a name that would drop below two characters stays."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def issuer_name(region: Any) -> str:
    """The short name printed in the region's document numbers (configurable per office)."""
    short = (getattr(region, "short_name", "") or "").strip()
    if short:
        return short
    if region.name in BARE_NAMES and region.parent is not None:
        return f"{issuer_name(region.parent)}{region.name}"
    return strip_suffix(region.name)


def format_number(issuer: str, kind: str, year: int, seq: int) -> str:
    return f"{issuer}{kind}〔{year}〕{seq}号"


def next_seq(kind: str, issuer: str, year: int) -> int:
    """The next number of ``kind`` for ``issuer`` in ``year`` (1, 2, 3 …), taken atomically."""
    from .models import DocumentCounter

    table = connection.ops.quote_name(DocumentCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, issuer, year, last) VALUES (%s, %s, %s, 1) "  # noqa: S608 - the table name is ours
            f"ON CONFLICT (kind, issuer, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [kind, issuer, year],
        )
        row = cursor.fetchone()
    return int(row[0])
