"""The generic step view (``rectify.core.views.steps.StepView``): a step cannot forget its action, the login,
the scope or the permission, and every view of the project that takes a step from a POST is one of them
(or is listed below with the reason it is not)."""
from __future__ import annotations

import ast
import datetime
import inspect
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver

from rectify.core.views.steps import StepView
from rectify.inspections.models import Inspection

PROJECT = Path(__file__).resolve().parents[2]

# Views that read a POST but are not a StepView, and why. A view leaves this list by becoming a StepView.
NOT_STEPS = {
    "rectify.accounts.views.logout_view": "signs out; no record, no action",
    "rectify.accounts.views.signature": "the user's own signature image: no record of the loop, no action",
    "rectify.accounts.views.mfa_enrol": "the user's own second factor (django-otp), before the session is complete",
    "rectify.accounts.views.mfa_verify": "the second factor at login: the session is not complete yet",
    "rectify.accounts.views.recovery_codes": "the user's own recovery codes",
    "rectify.accounts.views.mfa_reset": "an administrator's page over another user (a user is no scoped record)",
    "rectify.accounts.views.mfa_reset_confirm": "the confirmed reset of that page (a user is no scoped record; the action is asked by the view)",
    "rectify.tasks.views.task_create": "the ledger's edit form (tasks/validation.py), no action: the rule is the region's write scope",
    "rectify.tasks.views.task_edit": "the ledger's edit form: the rule is editable_by, not an action of the table",
    "rectify.tasks.views.save_filter": "the user's own saved filter",
    "rectify.tasks.views.delete_filter": "the user's own saved filter",
    "rectify.tasks.views.task_decompose": "the rule is editable_by (no action of the table); several messages per refusal",
    "rectify.tasks.views.task_start": "the rule is the data scope (assigned unit or editable_by), no action of the table",
    "rectify.tasks.views_excel.import_ledger": "a file upload with a preview and confirmation in two requests",
    "rectify.imports.views.upload": "a document upload with a preview and confirmation in two requests",
    "rectify.imports.views.preview": "the import's preview and confirmation; the rule is the batch's owner and write scope",
    "rectify.inspections.views.inspection_create": "an edit form of a record without a service step (core.writes)",
    "rectify.inspections.views.inspection_edit": "an edit form of a record without a service step (core.writes)",
    "rectify.acceptance.calendar_views.holiday_calendar": "an administrator's year page (a year is no record), three outcomes",
    "rectify.dispatch.views.round_create": "no action asks the page: who may open is any region of the user's write "
                                           "scope, and the form lists them (the service asks dispatch.open_round for the one chosen)",
    "rectify.dispatch.views.report_form": "no action of the table: the record is the user's own unit's assignment in "
                                          "the round (scope by unit), reached through two URL ids",
    "rectify.dispatch.views.verification": "the round's verification page (GET); its POST is handed to the DrawSample StepView",
    "rectify.supervision.views.rules": "two forms of rules on one page, by region (a region is asked, no scoped record)",
    "rectify.jobs.views.run_periodic": "an administrator's page; the record is a periodic check of the registry, not a model",
    "rectify.notifications.views.read_all": "the user's own notifications (scope-exempt, owner only)",
    "rectify.notifications.views.open_notification": "the user's own notification (scope-exempt, owner only)",
}
POST_MARKS = ("request.POST", "request.FILES", "require_POST", "request.method", "require_http_methods")


def _views(patterns: list[Any]) -> Iterator[Any]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        else:
            yield pattern.callback


def _inner(view: Any) -> Any:
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def project_views() -> tuple[set[type[StepView]], dict[str, Any]]:
    """The StepView classes of the URLs, and every other view function of the project by its dotted name."""
    steps, functions = set(), {}
    for view in _views(get_resolver().url_patterns):
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            if issubclass(view_class, StepView):
                steps.add(view_class)
            continue
        inner = _inner(view)
        if inspect.isfunction(inner) and inner.__module__.startswith("rectify."):
            functions[f"{inner.__module__}.{inner.__qualname__}"] = inner
    return steps, functions


def test_every_view_that_posts_is_a_step_view_or_listed_with_a_reason() -> None:
    steps, functions = project_views()
    posting = {name for name, f in functions.items() if any(mark in inspect.getsource(f) for mark in POST_MARKS)}
    assert not posting - set(NOT_STEPS), "a view that reads a POST: make it a StepView or list it with its reason"
    assert not set(NOT_STEPS) - posting, "listed but no longer a posting view: remove it from NOT_STEPS"
    assert len(steps) >= 22 and all(cls.action for cls in steps)


def test_the_engine_is_called_only_by_the_step_view_and_the_listed_views() -> None:
    """``post_step`` (the engine) is called by StepView; a function calling it directly is a listed exception."""
    callers = set()
    for path in PROJECT.rglob("*.py"):
        rel = path.relative_to(PROJECT).as_posix()
        if "/tests" in f"/{rel}":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for call in ast.walk(node):
                    if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "post_step":
                        callers.add(f"{rel}:{node.name}")
    assert callers == {"core/views/steps.py:run", "dispatch/views.py:round_create", "dispatch/views.py:report_form"}


def test_a_step_without_an_action_fails_when_its_class_is_made() -> None:
    with pytest.raises(TypeError, match="names its action"):
        class Forgetful(StepView):  # noqa: F841  (the class statement is the test)
            model = Inspection


def test_a_step_cannot_replace_the_scope_or_the_permission() -> None:
    for name in ("get_object", "dispatch", "post"):
        with pytest.raises(TypeError, match="narrow"):
            type("Bypass", (StepView,), {"action": "ledger.edit", "model": Inspection, name: lambda self, *a, **k: None})


def test_a_step_view_is_behind_the_login() -> None:
    request = RequestFactory().post("/step/")
    request.user = AnonymousUser()
    response = EditInspection.as_view()(request, uuid="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class EditInspection(StepView):
    """A step on an inspection, allowed to the offices (``ledger.edit``)."""

    model = Inspection
    action = "ledger.edit"
    denied = "只有整改办可以"


def _post(user: Any, inspection: Inspection, method: str = "post") -> Any:
    request = getattr(RequestFactory(), method)("/step/")
    request.user = user
    return EditInspection.as_view()(request, uuid=inspection.uuid)


@pytest.mark.django_db
def test_the_record_is_looked_up_within_the_scope_and_the_action_is_asked(world: SimpleNamespace) -> None:
    other = Inspection.objects.create(team="太原督察组", level="provincial", target_region=world.other_city,
                                      feedback_date=datetime.date(2024, 1, 1))
    with pytest.raises(Http404):
        _post(world.city_office, other)  # outside the scope: 404 before anything is asked
    with pytest.raises(PermissionDenied, match="只有整改办可以"):
        _post(world.leader, world.inspection)  # in scope (a leader reads), but the action refuses
    assert _post(world.city_office, world.inspection, "get").status_code == 405  # a step without a page: POST only
    with pytest.raises(NotImplementedError):
        _post(world.city_office, world.inspection)  # in scope and allowed: the step runs
