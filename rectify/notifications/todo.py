"""待我处理: what waits for the signed-in user, per role, declared in one table (``TODO_BY_ROLE``).

Each source is a function ``(user, limit) -> TodoList | Pending`` that narrows through
``accounts/scope.py``. A ``Pending`` list is its rows not yet counted: ``todo_for`` counts every pending
list of the page in ONE query (a scalar subquery each) and then loads the first ``limit`` rows of the
lists that are not empty, so the panel costs one query plus one per non-empty list however much is
waiting. A user with several roles gets the union of their roles' lists.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import OrderBy, QuerySet
from django.urls import reverse

from rectify.accounts.roles import Role, is_admin
from rectify.accounts.scope import unit_ids
from rectify.core.ordering import sorted_after_filter
from rectify.core.types import AnyUser, AuthedUser, signed_in
from rectify.tasks.models import Assignment, Task, overdue_q
from rectify.tasks.states import TaskState

PANEL_LIMIT = 5
PAGE_LIMIT = 50


@dataclass
class TodoEntry:
    text: str
    url: str
    note: str = ""


@dataclass
class TodoList:
    key: str
    label: str
    count: int
    entries: list[TodoEntry] = field(default_factory=list)

    @property
    def rest(self) -> int:
        return self.count - len(self.entries)


@dataclass
class Pending:
    """A list not counted yet: its rows (already select_related and ordered) and how one row reads."""

    key: str
    label: str
    rows: QuerySet[Any]
    entry: Callable[[Any], TodoEntry]
    limit: int

    def resolve(self, count: int) -> TodoList:
        """The list, given its count: the first ``limit`` rows are loaded only when there are any."""
        entries = [self.entry(row) for row in self.rows[:self.limit]] if count else []
        return TodoList(self.key, self.label, count, entries)


Source = Callable[[AuthedUser, int], "TodoList | Pending"]


def listed(key: str, label: str, rows: QuerySet[Any], entry: Callable[[Any], TodoEntry], limit: int) -> Pending:
    return Pending(key, label, rows, entry, limit)


def count_together(querysets: Sequence[QuerySet[Any]]) -> list[int]:
    """The row count of each query set, in one query: ``SELECT (SELECT COUNT(*) FROM (…)), …``.

    Each count is the query set's own (its filters, joins and DISTINCT), planned by the database as
    ``.count()`` would be; the query sets must share a database."""
    parts: list[str] = []
    params: list[Any] = []
    for qs in querysets:
        counted = qs.values_list("pk")  # one clone, private to this function: its ordering is dropped in place
        counted.query.clear_ordering(force=True)
        try:
            sql, p = counted.query.sql_with_params()
        except EmptyResultSet:  # a filter on an empty list: nothing to count, nothing to ask
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{len(parts)})")  # noqa: S608 - SQL compiled by the ORM, values bound
        params.extend(p)
    if all(part == "0" for part in parts):
        return [0] * len(parts)
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return [int(n) for n in row]


def task_text(task: Task) -> str:
    return f"第{task.seq}号 {task.display_title}"


def role_tasks(user: AuthedUser, role: str) -> QuerySet[Task]:
    """The tasks ``user`` sees through ``role``; built once per user object (a request's user) and role.
    A query set is never changed by what is chained on it, so the lists of one panel share it."""
    built: dict[str, QuerySet[Task]] | None = getattr(user, "_rectify_role_tasks", None)
    if built is None:
        built = {}
        user._rectify_role_tasks = built  # type: ignore[attr-defined]  # per user object, i.e. per request
    if role not in built:
        built[role] = Task.objects.visible_to(user, roles={role})
    return built[role]


# The lists of the ledger itself are here; each step above it registers its own (``todo_list``) from its
# ``todo`` module when it starts: ``rectify/acceptance/todo.py``, ``rectify/dispatch/todo.py``,
# ``rectify/supervision/todo.py``. Notifications imports none of them.

_SOURCES: dict[str, Source] = {}


def todo_list(key: str) -> Callable[[Source], Source]:
    """Register a source under ``key``, the name it has in ``TODO_BY_ROLE`` and in the page (data-todo)."""

    def register(func: Source) -> Source:
        _SOURCES[key] = func
        return func

    return register


# ---------------------------------------------------------------- 牵头单位 / 责任单位

@todo_list("tasks_to_redo")
def tasks_to_redo(user: AuthedUser, limit: int) -> Pending:
    """Tasks sent back by the reviewers or reopened, on which the user's units apply again."""
    applicants = Assignment.objects.filter(unit_id__in=unit_ids(user),
                                           role__in=[Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE]).values("task_id")
    rows = (Task.objects.filter(pk__in=applicants, state__in=[TaskState.SENT_BACK, TaskState.REOPENED])
            .select_related("region").order_by(sorted_after_filter("deadline", temporal=True), "id"))
    return listed("tasks_to_redo", "退回或重新整改的任务", rows,
                  lambda t: TodoEntry(task_text(t), reverse("tasks:detail", args=[t.uuid]), t.get_state_display()), limit)


# ---------------------------------------------------------------- 整改办

def file_entry(task: Task, note: str = "") -> TodoEntry:
    return TodoEntry(task_text(task), reverse("acceptance:file", args=[task.uuid]), note)


def scope_order(user: AuthedUser, field: str) -> str | OrderBy:
    """``field``'s order for a list of the tasks of ``user``'s scope. Over every task (the administrator)
    the list's own index gives its first rows; over a region's, the database sorts the scope's rows
    (``core.ordering``: walking the list's index would read the other regions' rows too)."""
    return field if is_admin(user) else sorted_after_filter(field, temporal=True)


@todo_list("tasks_to_announce")
def tasks_to_announce(user: AuthedUser, limit: int) -> Pending:
    rows = (role_tasks(user, Role.OFFICE).filter(state=TaskState.ACCEPTED).select_related("region")
            .order_by(scope_order(user, "updated_at"), "id"))  # index ``task_accepted_updated``
    return listed("tasks_to_announce", "已验收待发布公示", rows, lambda t: file_entry(t, "验收通过"), limit)


# ---------------------------------------------------------------- 领导

@todo_list("overdue_tasks")
def overdue_tasks(user: AuthedUser, limit: int) -> Pending:
    rows = role_tasks(user, Role.LEADER).filter(overdue_q()).select_related("region").order_by("deadline", "id")
    return listed("overdue_tasks", "逾期未完成的任务", rows,
                  lambda t: TodoEntry(task_text(t), reverse("tasks:detail", args=[t.uuid]),
                                      f"{t.deadline:%Y-%m-%d}到期" if t.deadline else ""), limit)


# Which lists each role sees, in the order they show; a key names a registered source (``todo_list``).
UNIT_SOURCES = ["reports_to_review", "returned_reports", "reports_due", "notices_to_handle", "tasks_to_redo"]
OFFICE_SOURCES = ["tasks_to_announce", "announcements_ended", "objections_open", "extensions_to_decide",
                  "notices_to_review", "filings_to_acknowledge"]

TODO_BY_ROLE: dict[str, list[str]] = {
    Role.REVIEWER: ["applications_to_review"],
    Role.LEAD_UNIT: UNIT_SOURCES,
    Role.RESPONSIBLE_UNIT: UNIT_SOURCES,
    Role.OFFICE: OFFICE_SOURCES,
    Role.LEADER: ["overdue_tasks"],
    Role.ADMIN: OFFICE_SOURCES,
}


def registered_sources() -> dict[str, Source]:
    return dict(_SOURCES)


def sources_for(roles: Iterable[str]) -> list[Source]:
    """The sources of the roles' lists in the table's order; a list whose step is not installed is left out."""
    held = set(roles)
    seen: list[Source] = []
    for role, keys in TODO_BY_ROLE.items():
        for key in keys if role in held else []:
            source = _SOURCES.get(key)
            if source is not None and source not in seen:
                seen.append(source)
    return seen


def todo_for(user: AnyUser | None, limit: int = PANEL_LIMIT) -> list[TodoList]:
    """Every list of the user's roles, in the table's order (empty ones included: a zero is news too).
    The pending lists are counted together in one query."""
    return todo_and_counts(user, limit)[0]


def todo_and_counts(user: AnyUser | None, limit: int, also: Sequence[QuerySet[Any]] = ()) -> tuple[list[TodoList], list[int]]:
    """``todo_for``, and the counts of ``also`` asked in the same query (the header's unread notifications
    on the page that shows the panel)."""
    if not signed_in(user):
        return [], [0] * len(also)
    found = [source(user, limit) for source in sources_for(user.roles())]
    pending = [item for item in found if isinstance(item, Pending)]
    counted = count_together([*(p.rows for p in pending), *also])
    counts = dict(zip((id(p) for p in pending), counted, strict=False))
    lists = [item.resolve(counts[id(item)]) if isinstance(item, Pending) else item for item in found]
    return lists, counted[len(pending):]
