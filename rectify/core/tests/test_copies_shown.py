"""How ``core.copies.differences`` shows a wrong row: a copied value as it is, a flag as 是/否."""
from __future__ import annotations

from typing import Any

import pytest

from rectify.core import copies
from rectify.tasks.models import Assignment

pytestmark = pytest.mark.django_db


def test_a_copied_number_is_shown_as_a_number(world: Any, make_task: Any) -> None:
    """SQLite gives booleans as 0 and 1, so a number must not be taken for a flag: only a flag shows as 是/否."""
    task = make_task()
    # Not a real copy: a probe over two integer columns that differ (a unit's id is not its task's region's).
    probe = copies.Copy(name="probe", table="tasks_assignment", column="unit_id", key="task_id",
                        source="tasks_task", source_column="region_id")
    shown = copies.differences(probe)
    expected = sorted((a.pk, str(a.unit_id), str(task.region_id)) for a in Assignment.objects.filter(task=task)
                      if a.unit_id != task.region_id)
    assert shown == expected and shown
