"""A typed user everywhere: no ``user: Any`` / ``request: Any`` comes back.

Who acts is ``core.types.AuthedUser`` (a signed-in person), ``AnyUser`` (the anonymous one too: scope and
predicates) or ``AuthedUser | None`` (None: the system — automatic notices, scheduled jobs, a command
without ``--user`` — recorded in history as 系统); a view behind ``login_required`` takes ``AuthedRequest``.
The scan reads every annotation in ``rectify`` (tests and migrations aside): a parameter, attribute or
variable named like a user or a request, or a function answering one, may not be ``Any`` or contain it.
"""
from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.urls import URLResolver, get_resolver

from rectify.core.types import AuthedRequest
from rectify.core.views.steps import StepView

PROJECT = Path(__file__).resolve().parents[2]
# Where Django's login_required wrapper is defined (the wrapper keeps its own code object under functools.wraps).
LOGIN_DECORATORS = ("django/contrib/auth/decorators.py",)


def _user_like(name: str) -> bool:
    name = name.lstrip("_").lower()
    if name.endswith(("_id", "_ids", "_name", "_names")):
        return False  # an id or a name of a user is not a user
    return (name in {"user", "users", "request", "actor", "submitter", "requester", "people"}
            or name.endswith(("_user", "_users", "_request", "_actor")) or name.startswith("user_"))


def _has_any(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):  # a quoted annotation
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    return any(isinstance(n, ast.Name) and n.id == "Any" or isinstance(n, ast.Attribute) and n.attr == "Any"
               for n in ast.walk(annotation))


def untyped_users(source: str, rel: str) -> list[str]:
    """Where ``source`` annotates a user or a request with ``Any``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None and _user_like(arg.arg) and _has_any(arg.annotation):
                    found.append(f"{rel}:{arg.lineno} {node.name}({arg.arg}: {ast.unparse(arg.annotation)})")
            if _user_like(node.name.removeprefix("get_").removeprefix("current_").removesuffix("_of")) and _has_any(node.returns):
                found.append(f"{rel}:{node.lineno} {node.name}() -> {ast.unparse(node.returns)}")
        elif isinstance(node, ast.AnnAssign):
            target = node.target
            name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
            if _user_like(name) and _has_any(node.annotation):
                found.append(f"{rel}:{node.lineno} {name}: {ast.unparse(node.annotation)}")
    return found


def test_no_user_or_request_is_typed_any() -> None:
    found = []
    for path in sorted(PROJECT.rglob("*.py")):
        rel = path.relative_to(PROJECT).as_posix()
        if "/tests/" in f"/{rel}" or rel.startswith("tests_") or "/migrations/" in rel:
            continue
        found += untyped_users(path.read_text(encoding="utf-8"), rel)
    assert not found, ("type the user (core.types.AuthedUser / AnyUser / AuthedUser | None for the system) "
                       "or the request (AuthedRequest behind login_required, else HttpRequest): " + ", ".join(found))


def test_the_guard_finds_an_untyped_user() -> None:
    source = (
        "from typing import Any\n"
        "def approve(task, user: Any, *, request: 'Any | None' = None) -> None: ...\n"
        "def _acting_user() -> Any: ...\n"
        "class People:\n    office_user: Any\n    users: list[Any]\n"
        "def get_user(self, user_id: Any) -> 'Any': ...\n"
        "def fine(user: 'AuthedUser', request: 'AuthedRequest', obj: Any, user_name: Any) -> Any: ...\n"
    )
    assert sorted(untyped_users(source, "x.py")) == [
        "x.py:2 approve(request: 'Any | None')", "x.py:2 approve(user: Any)", "x.py:3 _acting_user() -> Any",
        "x.py:5 office_user: Any", "x.py:6 users: list[Any]", "x.py:7 get_user() -> 'Any'",
    ]


def _views(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def _layers(view: Any) -> list[Any]:
    """The view and every function it wraps (decorators keep the wrapped one in ``__wrapped__``)."""
    layers = [view]
    while hasattr(layers[-1], "__wrapped__"):
        layers.append(layers[-1].__wrapped__)
    return layers


def _behind_login(view: Any) -> bool:
    return any(getattr(getattr(f, "__code__", None), "co_filename", "").endswith(LOGIN_DECORATORS) for f in _layers(view))


def _class_request(view_class: type) -> str:
    return next((str(c.__annotations__["request"]) for c in view_class.__mro__ if "request" in c.__dict__.get("__annotations__", {})), "")


def test_a_view_takes_an_authed_request_exactly_when_login_is_required() -> None:
    """``AuthedRequest`` promises a signed-in user: only ``login_required`` keeps that promise (there is no
    login middleware), and every view behind it says so in its type."""
    wrong, seen = [], {}
    for route, view in _views(get_resolver().url_patterns):
        view_class = getattr(view, "view_class", None)
        if view_class is not None and issubclass(view_class, StepView):
            # A step view is behind login_required (StepView.as_view) and its request is typed on the class.
            if not (_behind_login(view) and _class_request(view_class) == "AuthedRequest"):
                wrong.append(f"{route} {view_class.__module__}.{view_class.__name__}")
            continue
        inner = _layers(view)[-1]
        if not inspect.isfunction(inner) or not inner.__module__.startswith("rectify."):
            continue  # Django's own, the admin's and the API's (ninja authenticates; user_of narrows)
        params = list(inspect.signature(inner).parameters.values())
        annotation = str(params[0].annotation) if params else ""
        seen[f"{inner.__module__}.{inner.__name__}"] = annotation
        if (annotation == "AuthedRequest") != _behind_login(view):
            wrong.append(f"{route} {inner.__module__}.{inner.__name__}(request: {annotation})")
    assert not wrong, "AuthedRequest if and only if login_required: " + ", ".join(wrong)
    # The walk reached the views: a signed-in page and a public one.
    assert seen["rectify.tasks.views.ledger"] == "AuthedRequest" and seen["rectify.acceptance.views.public_detail"] == "HttpRequest"


def test_the_login_check_is_seen() -> None:
    from django.contrib.auth.decorators import login_required
    from django.views.decorators.http import require_POST

    def view(request: AuthedRequest) -> None: ...

    assert _behind_login(require_POST(login_required(view))) and _behind_login(login_required(require_POST(view)))
    assert not _behind_login(require_POST(view))
