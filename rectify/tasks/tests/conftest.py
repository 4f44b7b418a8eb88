"""Fixtures shared by the ledger's tests."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from rectify.tasks.models import Assignment


@pytest.fixture
def many(world: SimpleNamespace, make_task: Any, settings: Any) -> SimpleNamespace:
    """The city office's 17 tasks, 5 a page: 12 of the county holding 河道 (3 of them past their deadline), 3 of the
    other county holding it, 2 without the word."""
    settings.LEDGER_PAGE_SIZE = 5
    for i in range(12):
        make_task(seq=str(i + 1), problem=f"河道垃圾问题{i + 1}",
                  deadline=datetime.date(2020, 1, 1) if i % 4 == 0 else datetime.date(2030, 12, 31))
    for i in range(3):
        make_task(seq=f"2-{i + 1}", problem=f"河道淤积问题{i + 1}", region=world.county2,
                  units={Assignment.Role.LEAD: [world.unit_county2_gov]})
    make_task(seq="90", problem="扬尘问题")
    make_task(seq="91", problem="噪声问题")
    return world
