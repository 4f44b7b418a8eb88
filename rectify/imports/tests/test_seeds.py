"""The seed plans import as they are: tasks without a deadline or units become 待完善, not refusals."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from rectify.inspections.models import Plan
from rectify.regions.loader import load_regions
from rectify.regions.models import Unit
from rectify.tasks.models import Task

pytestmark = pytest.mark.django_db


def _seeds_dir() -> Path:
    """``RECTIFY_SEEDS``, else the nearest ``shared/seeds`` above the checkout (../shared from /work/main)."""
    if os.environ.get("RECTIFY_SEEDS"):
        return Path(os.environ["RECTIFY_SEEDS"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "seeds").is_dir():
            return parent / "shared" / "seeds"
    return Path("/nonexistent")


SEEDS = _seeds_dir()


def seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(f"种子文档 {prefix} 不在 {SEEDS}（共享目录未挂载）")
    return found[0]


@pytest.mark.parametrize("prefix", ["003", "004"])
def test_seed_imports_without_skip_invalid(prefix: str) -> None:
    path = seed(prefix)
    try:
        load_regions()
    except RuntimeError as exc:  # pragma: no cover - the data package is a pinned dependency
        pytest.skip(str(exc))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_documents", str(path), "--yes", stdout=out, stderr=err)
    assert "导入完成" in out.getvalue(), err.getvalue()
    plan = Plan.objects.get()
    tasks = Task.objects.filter(plan=plan)
    assert tasks.count() > 10
    incomplete = tasks.filter(needs_completion=True)
    for task in incomplete:
        assert task.incomplete_reason
        assert (task.deadline is None and not task.long_term) or not task.assignments.filter(role__in=["lead", "responsible"]).exists()
    for task in tasks.exclude(pk__in=incomplete):
        assert task.deadline or task.long_term
    # No umbrella phrase became a unit of its own: they are groups.
    for unit in Unit.objects.filter(name__startswith="各"):
        assert unit.kind == Unit.Kind.GROUP and unit.member_rule
    # County governments named in a city's plan live in their own counties.
    for unit in Unit.objects.filter(kind=Unit.Kind.GOVERNMENT).select_related("region"):
        assert unit.region.level == "county" and unit.name.startswith(unit.region.name), unit.name
