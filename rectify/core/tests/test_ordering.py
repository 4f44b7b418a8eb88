"""An order written for the database to sort (``rectify.core.ordering``) is the same order."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from rectify.core.ordering import sorted_after_filter
from rectify.tasks.models import Task

pytestmark = pytest.mark.django_db

DEADLINES = [datetime.date(2030, 3, 1), datetime.date(2029, 1, 1), datetime.date(2030, 3, 1), datetime.date(2031, 12, 31)]


@pytest.mark.parametrize("field,temporal", [("deadline", True), ("-deadline", True), ("updated_at", True),
                                            ("-updated_at", True), ("plan_id", False), ("-plan_id", False)])
def test_the_sorted_order_is_the_indexed_order(field: str, temporal: bool, world: SimpleNamespace, make_task: Any) -> None:
    for deadline in DEADLINES:
        make_task(deadline=deadline)
    make_task(plan=world.other_plan, region=world.other_city, deadline=datetime.date(2028, 6, 1))
    plain = list(Task.objects.order_by(field, "id").values_list("pk", flat=True))
    sorted_ = list(Task.objects.order_by(sorted_after_filter(field, temporal=temporal), "id").values_list("pk", flat=True))
    assert sorted_ == plain and len(plain) == 5
