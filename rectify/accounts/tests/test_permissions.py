"""The permission table: one question ``can(user, action, obj)``, its generated doc, the denials it
promises, and a guard against new predicates outside it."""
from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from rectify.accounts.docs import permissions_markdown
from rectify.accounts.permissions import ACTIONS, can

PROJECT = Path(__file__).resolve().parents[2]
# The permission modules: the only places that may define a predicate or read is_superuser / is_staff.
PERMISSION_MODULES = {"accounts/roles.py", "accounts/predicates.py", "accounts/permissions.py",
                      "accounts/models.py"}  # models.py: User.roles() counts a superuser as an administrator
PREDICATE_NAME = re.compile(r"^_?(can|may)_|^_?is_(admin|office|viewer|editor|staff|superuser|reviewer|leader)")


def test_docs_permissions_matches_the_code() -> None:
    path = PROJECT.parent / "docs" / "permissions.md"
    assert path.read_text(encoding="utf-8") == permissions_markdown(), \
        "docs/permissions.md is stale: run `rectify manage docs_permissions > docs/permissions.md`"


def test_an_unknown_action_is_an_error_not_a_denial() -> None:
    with pytest.raises(KeyError, match="acceptance.aply"):
        can(AnonymousUser(), "acceptance.aply")


def violations(source: str, rel: str) -> list[str]:
    """Predicates and role checks written outside the permission modules, in one Python source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and PREDICATE_NAME.match(node.name):
            params = {a.arg for a in node.args.args + node.args.kwonlyargs}
            if params & {"user", "request"}:
                found.append(f"{rel}:{node.lineno} def {node.name}")
        elif isinstance(node, ast.Attribute) and node.attr in {"is_superuser", "is_staff", "is_editor"} \
                and isinstance(node.ctx, ast.Load):
            found.append(f"{rel}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "has_role":
            found.append(f"{rel}:{node.lineno} .has_role()")
    return found


def test_no_predicate_or_role_check_outside_the_permission_modules() -> None:
    """Who may do what is asked of ``can``: no new ``def can_…`` / ``is_admin`` of a user, no reading of
    ``is_superuser`` / ``is_staff`` / ``is_editor``, no ``has_role`` — in code or in templates."""
    found = []
    for path in PROJECT.rglob("*.py"):
        rel = path.relative_to(PROJECT).as_posix()
        if "/tests" in f"/{rel}" or rel.startswith("tests_") or "/migrations/" in rel or rel in PERMISSION_MODULES:
            continue
        found += violations(path.read_text(encoding="utf-8"), rel)
    for path in PROJECT.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"user\.(is_superuser|is_staff|is_editor|roles|has_role)\b", text):
            found.append(f"{path.relative_to(PROJECT).as_posix()}:{text.count(chr(10), 0, m.start()) + 1} {m.group(0)}")
    assert not found, "ask rectify.accounts.permissions.can instead: " + ", ".join(found)


def test_the_guard_finds_a_new_predicate() -> None:
    source = ("def can_approve(user, task):\n    return user.is_superuser\n\n"
              "def view(request):\n    return request.user.has_role('office')\n")
    assert violations(source, "x.py") == ["x.py:1 def can_approve", "x.py:2 .is_superuser", "x.py:5 .has_role()"]
    # A record's own state is not a permission (an API token's scope, an import batch's readiness).
    assert violations("class T:\n    def can_write(self):\n        return True\n", "x.py") == []


def test_every_action_is_asked_somewhere() -> None:
    """An action nobody asks is a stale row of the table."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in PROJECT.rglob("*.py") if "/tests" not in p.as_posix()
                     and p.name not in {"permissions.py"})
    code += "\n".join(p.read_text(encoding="utf-8") for p in PROJECT.rglob("*.html"))
    unasked = [name for name in ACTIONS if f'"{name}"' not in code]
    assert not unasked, f"actions nobody asks: {unasked}"


# ---------------------------------------------------------------- denials the table promises


@pytest.fixture
def setting(world: SimpleNamespace, make_task: Any) -> SimpleNamespace:
    """A task of 晋城 (A) and one of 太原 (B), a notice, a round and a report on A; a reviewer of 太原."""
    from rectify.accounts.models import RoleGrant, User
    from rectify.accounts.roles import Role
    from rectify.dispatch.models import ProgressReport, ReportingRound
    from rectify.supervision import services as supervision
    from rectify.tasks.models import Assignment

    s = SimpleNamespace(w=world)
    s.task = make_task()
    s.other_task = make_task(plan=world.other_plan, region=world.other_city,
                             units={Assignment.Role.LEAD: [world.unit_other_env], Assignment.Role.RESPONSIBLE: [world.unit_other_env]})
    s.other_reviewer = User.objects.create_user(username="other_reviewer", password="x")
    RoleGrant.objects.create(user=s.other_reviewer, role=Role.REVIEWER, region=world.other_city)
    s.notice = supervision.issue_notice(s.task, world.city_office, units=[world.unit_county_env], reason="督办")
    s.round = ReportingRound.objects.create(region=world.city, title="五月调度", period_start=datetime.date(2026, 5, 1), period_end=datetime.date(2026, 5, 31),
                                            due_date=datetime.date(2026, 6, 5), opened_by=world.city_office)
    assignment = s.task.assignments.get(unit=world.unit_county_env)
    s.report = ProgressReport.objects.create(round=s.round, task=s.task, assignment=assignment, unit=world.unit_county_env,
                                             status=ProgressReport.Status.SUBMITTED, submitted_by=world.county_unit,
                                             period=datetime.date(2026, 5, 1))
    return s


def allowed(user: Any, s: SimpleNamespace) -> set[str]:
    """The actions ``user`` may take on the records of 晋城 in ``s`` (each action on its kind of record)."""
    records = {"Task": s.task, "Region": s.w.county, "SupervisionNotice": s.notice, "ReportingRound": s.round,
               "ProgressReport": s.report, "": None}
    return {name for name, action in ACTIONS.items() if action.obj in records and can(user, name, records[action.obj])}


def test_the_public_may_do_nothing(setting: SimpleNamespace) -> None:
    assert allowed(AnonymousUser(), setting) == set()
    assert allowed(None, setting) == set()


def test_a_unit_of_another_region_may_do_nothing_here(setting: SimpleNamespace) -> None:
    w = setting.w
    assert allowed(w.other_unit, setting) == set()
    # … while on its own task it applies for acceptance (the denial is the region, not the role).
    assert can(w.other_unit, "acceptance.apply", setting.other_task)
    assert not can(w.other_unit, "supervision.act", setting.notice)


def test_a_reviewer_of_another_region_may_not_review_here(setting: SimpleNamespace) -> None:
    reviewer = setting.other_reviewer
    assert allowed(reviewer, setting) == set()
    assert can(reviewer, "acceptance.review", setting.other_task) and can(reviewer, "acceptance.record_look_back", setting.other_task)
    # The reviewer of 晋城 may, and only what a reviewer does.
    assert allowed(setting.w.reviewer, setting) == {"acceptance.review", "acceptance.record_look_back", "dispatch.read_round"}


def test_a_leader_may_only_read(setting: SimpleNamespace) -> None:
    from rectify.tasks.models import Task

    leader = setting.w.leader
    assert Task.objects.visible_to(leader).filter(pk=setting.task.pk).exists()
    assert allowed(leader, setting) == {"dispatch.read_round"}


def test_the_office_and_the_units_of_the_task(setting: SimpleNamespace) -> None:
    w = setting.w
    office = allowed(w.city_office, setting)
    assert {"acceptance.apply", "acceptance.announce", "supervision.issue", "milestone.set", "dispatch.manage_round",
            "supervision.review", "region.write", "ledger.edit"} <= office
    assert "dispatch.review" not in office and "supervision.act" not in office and "system.holidays" not in office
    # The responsible unit acts on its notice and applies; the lead unit reviews its report.
    assert allowed(w.county_unit, setting) == {"acceptance.apply", "supervision.act"}
    assert allowed(w.lead_unit, setting) == {"acceptance.apply", "dispatch.review"}


@pytest.mark.parametrize("who", ["admin", "city_office", "province_office", "leader", "reviewer", "lead_unit", "county_unit", "other_unit"])
def test_the_refusal_explanations_agree_with_the_table(setting: SimpleNamespace, who: str) -> None:
    """``review_refusal`` only says why; it answers '' exactly when ``can`` allows."""
    from rectify.dispatch.services import review_refusal as report_refusal
    from rectify.supervision.services import review_refusal as notice_refusal

    user = getattr(setting.w, who)
    notice = setting.notice
    assert (notice_refusal(user, notice, notice.done_reported_by) == "") == can(user, "supervision.review", notice)
    assert (report_refusal(user, setting.report) == "") == can(user, "dispatch.review", setting.report)


def test_every_predicate_asked_of_the_anonymous_user_answers_a_bool(setting: SimpleNamespace) -> None:
    """A predicate takes ``AnyUser``: asked directly (without ``can``'s sign-in check) of the anonymous user
    it answers a bool, and False wherever it grants something to a role."""
    from rules.predicates import Predicate

    from rectify.accounts import predicates, roles

    # The record a predicate is about, by the word its name carries (the first that matches).
    records = {"report": setting.report, "notice": setting.notice, "extension": None, "filed_to": None,
               "region": setting.w.county, "task": setting.task}
    leaves = {name: value for module in (predicates, roles) for name, value in vars(module).items()
              if isinstance(value, Predicate) and value.name in roles.DESCRIPTIONS}
    assert {"is_admin", "office_of_task", "reviewer_of_notice", "speaks_for_report_unit"} <= set(leaves)
    for name, leaf in leaves.items():
        obj = next((record for word, record in records.items() if word in name), None)
        answer = leaf.test(AnonymousUser(), obj)
        assert isinstance(answer, bool), name
        if roles.DESCRIPTIONS[leaf.name]["who"]:
            assert answer is False, name
