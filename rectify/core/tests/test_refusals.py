"""One ``Refused`` base under every refusal of the apps, mapped once for pages and once for the API."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import rectify
from rectify.core.refusals import Refused

ROOT = Path(rectify.__file__).parent

#: Exception classes of the project that are not refusals, each with the reason.
NOT_REFUSALS: dict[str, str] = {
    # (none: ``ingest.IngestError`` lives in the pure library, which imports no Django and no rectify;
    # the document import turns it into ``imports.services.ImportFailed``.)
}


def _project_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(ROOT)], prefix="rectify."):
        parts = info.name.split(".")
        if any(p in {"tests", "tests_browser", "tests_forms", "tests_security", "migrations", "management"} for p in parts):
            continue
        if parts[-1] in {"wsgi", "asgi"} or parts[-1].startswith("settings"):
            continue
        names.append(info.name)
    return names


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _project_modules():
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == name:
                found[f"{name}.{obj.__qualname__}"] = obj
    return found


def test_every_exception_class_of_the_apps_is_a_refusal() -> None:
    classes = _exception_classes()
    assert len(classes) >= 15, "the walk found too few exception classes: it no longer sees the apps"
    outside = sorted(n for n, cls in classes.items() if not issubclass(cls, Refused) and n not in NOT_REFUSALS)
    assert outside == [], f"exception classes not under core.refusals.Refused: {outside}"


def test_no_per_module_refusal_lists_or_form_error_copies() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or path.name == "refusals.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^REFUSALS\s*=", text, re.M) or "def _form_errors" in text or "form.errors.items()" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_refusal_statuses() -> None:
    from rectify.accounts.scope import WriteScopeRefused
    from rectify.api.errors import ApiValidationError
    from rectify.core.versioning import StaleEdit
    from rectify.imports.services import ImportFailed
    from rectify.tasks.states import TransitionRefused

    assert (StaleEdit(3).status, WriteScopeRefused("x").status, ApiValidationError(seq="太长").status) == (409, 403, 422)
    assert TransitionRefused("x").status == ImportFailed("x").status == 400
    assert ApiValidationError(seq="太长").message == "序号：太长"


@pytest.mark.django_db
def test_pages_join_form_errors_with_the_one_helper(world, make_task, login) -> None:
    """A labelled field error reads "标签：错误"; a hidden field without a label gets no stray "：" before it."""
    task = make_task()
    response = login(world.lead_unit).post(f"/acceptance/tasks/{task.uuid}/apply/", {"version": str(task.version)})
    text = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert">整改完成情况：' in text and "；：" not in text
