"""Every model of the project declares its data scope at the source (``scope_path``) or says why it has
none (``scope_exempt``); its manager answers ``visible_to`` / ``editable_by`` from ``accounts.scope``."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from rectify.accounts.scope import ScopedQuerySet, scope_paths

PROJECT = Path(__file__).resolve().parents[2]


def project_models() -> list[Any]:
    return [m for m in apps.get_models() if m.__module__.startswith("rectify.")]


def test_every_model_declares_a_scope_or_a_commented_exemption() -> None:
    missing, both, exempt_uncommented, unmanaged = [], [], [], []
    for model in project_models():
        declared = getattr(model, "scope_path", None) is not None
        exempt = bool(getattr(model, "scope_exempt", ""))
        if declared == exempt:
            (both if declared else missing).append(model._meta.label)
            continue
        if declared:
            if not isinstance(model._default_manager.get_queryset(), ScopedQuerySet):
                unmanaged.append(model._meta.label)
        else:
            source = inspect.getsource(model)
            line = next((ln for ln in source.splitlines() if "scope_exempt" in ln), "")
            before = source.splitlines()[source.splitlines().index(line) - 1]
            if not before.strip().startswith("#"):
                exempt_uncommented.append(model._meta.label)
    assert not missing, f"models without scope_path or scope_exempt: {missing}"
    assert not both, f"models with both scope_path and scope_exempt: {both}"
    assert not unmanaged, f"scoped models whose manager is not a ScopedQuerySet: {unmanaged}"
    assert not exempt_uncommented, f"exemptions without a comment above them: {exempt_uncommented}"


def test_every_scope_path_resolves_to_a_region_unit_or_scoped_model() -> None:
    from rectify.accounts.scope import _target
    from rectify.regions.models import Region, Unit

    for model in project_models():
        if getattr(model, "scope_path", None) is None:
            continue
        for attribute in ("scope_path", "scope_edit_path"):
            for path in scope_paths(model, attribute):
                target, _ = _target(model, path)
                assert target in (Region, Unit) or isinstance(target._default_manager.get_queryset(), ScopedQuerySet), (
                    f"{model._meta.label}.{attribute} {path!r} ends at {target._meta.label}, which has no scope")


def test_a_model_without_a_declaration_fails_the_walk() -> None:
    """The walk is not vacuous: a model class without either attribute is reported."""
    from django.db import models

    class Stray(models.Model):
        class Meta:
            app_label = "core"
            managed = False

    try:
        assert getattr(Stray, "scope_path", None) is None and not getattr(Stray, "scope_exempt", "")
        assert Stray in apps.get_models()
        with pytest.raises(AssertionError, match="core.Stray"):
            test_every_model_declares_a_scope_or_a_commented_exemption()
    finally:
        del apps.all_models["core"]["stray"]
        apps.clear_cache()


def test_no_view_api_or_export_builds_scope_itself() -> None:
    """Outside models and ``accounts/scope.py`` nobody calls the scope builders or returns the empty-Q()
    "sees everything" shortcut; they ask the models' managers. The listed exceptions are counted, not hidden."""
    builders = {"task_scope", "region_scope", "inspection_scope", "plan_scope", "task_edit_scope", "writable_region_q",
                "writable_unit_q", "region_write_scope", "inspection_edit_scope", "notice_scope"}
    allowed: set[tuple[str, str]] = set()
    found = []
    for path in PROJECT.rglob("*.py"):
        rel = path.relative_to(PROJECT).as_posix()
        if "/tests" in f"/{rel}" or "/migrations/" in rel or rel.endswith("models.py") or rel == "accounts/scope.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else ""
                if name in builders and (rel, name) not in allowed:
                    found.append(f"{rel}:{node.lineno} {name}()")
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Call) and not node.value.args \
                    and not node.value.keywords and getattr(node.value.func, "id", getattr(node.value.func, "attr", "")) == "Q":
                found.append(f"{rel}:{node.lineno} return Q()")  # the "sees everything" shortcut
    assert not found, "scope computed outside the models: " + ", ".join(found)


@pytest.mark.parametrize("who", ["admin", "city_office", "leader", "lead_unit", "county_unit", "other_unit", "nobody"])
def test_managers_agree_with_the_task_scope(world: SimpleNamespace, make_task: Any, who: str) -> None:
    """A record reached through a task is visible exactly when its task is."""
    from rectify.tasks.models import Assignment, Measure, Task

    mine = make_task()
    theirs = make_task(plan=world.other_plan, region=world.other_city,
                       units={Assignment.Role.LEAD: [world.unit_other_env]})
    user = getattr(world, who)
    tasks = set(Task.objects.visible_to(user).values_list("pk", flat=True))
    assert tasks <= {mine.pk, theirs.pk}
    assert set(Measure.objects.visible_to(user).values_list("task_id", flat=True)) == tasks
    assert set(Assignment.objects.visible_to(user).values_list("task_id", flat=True)) == tasks
    editable = set(Task.objects.editable_by(user).values_list("pk", flat=True))
    assert set(Measure.objects.editable_by(user).values_list("task_id", flat=True)) == editable


def test_notice_scope_keeps_unit_addressees_apart(world: SimpleNamespace, make_task: Any) -> None:
    """A notice is seen by the region roles over its task and by the units it is addressed to — not by every
    unit of the task; the admin sees all, a stranger none."""
    from rectify.supervision.models import SupervisionNotice

    task = make_task()
    now = timezone.now()
    notice = SupervisionNotice.objects.create(task=task, region=world.city, year=now.year, seq=1, reason="请加快整改",
                                              issued_at=now, issued_on=now.date(), arranged_by=task.deadline,
                                              first_report_by=task.deadline, done_by=task.deadline)
    notice.units.set([world.unit_county_env])
    seen = {who for who in ("admin", "city_office", "leader", "reviewer", "lead_unit", "county_unit", "other_unit", "nobody")
            if SupervisionNotice.objects.visible_to(getattr(world, who)).filter(pk=notice.pk).exists()}
    assert seen == {"admin", "city_office", "leader", "reviewer", "county_unit"}
    assert SupervisionNotice.objects.visible_to(world.county_unit).count() == 1  # no row repeated through the units
    assert set(SupervisionNotice.objects.editable_by(world.city_office)) == {notice}
    assert not SupervisionNotice.objects.editable_by(world.county_unit).exists()


def test_the_whole_scope_adds_no_condition(world: SimpleNamespace) -> None:
    """The administrator's scope is no filter at all in the SQL: an always-true condition such as
    ``id IS NOT NULL`` let PostgreSQL answer a ledger search by walking a whole index that holds ``id``
    instead of the search index."""
    scoped = [m for m in project_models() if isinstance(m._default_manager.all(), ScopedQuerySet)]
    assert scoped
    for model in scoped:
        sql = str(model._default_manager.visible_to(world.admin).query)
        assert " WHERE " not in sql, f"{model.__name__}: {sql}"
