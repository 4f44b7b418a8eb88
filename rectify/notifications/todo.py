"""待我处理: what waits for the signed-in user, per role, declared in one table (``TODO_BY_ROLE``).

Each source is a function ``(user, limit) -> TodoList | Pending`` that narrows through
``accounts/scope.py``. A ``Pending`` list is its rows not yet counted: ``todo_for`` counts every pending
list of the page in ONE query (a scalar subquery each) and then loads the first ``limit`` rows of the
lists that are not empty, so the panel costs one query plus one per non-empty list however much is
waiting. A user with several roles gets the union of their roles' lists.

The lists' query sets and their count statement are built once per user and day (``prepared``) and kept in
the process until a grant, region or unit changes (``core.generations``): building and compiling them was
about half of the panel's CPU, and the panel loads after every ledger page. They read only the user (their
grants, id, unit) and the day; with ``settings.RECTIFY_VERIFY_KEPT`` (the test suite) every kept answer is
built again and compared, so a list that starts to read something else fails the tests that use it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import OrderBy, QuerySet
from django.urls import reverse
from django.utils import timezone

from rectify.accounts.models import RoleGrant
from rectify.accounts.roles import Role, is_admin
from rectify.accounts.scope import unit_ids
from rectify.core import generations
from rectify.core.ordering import sorted_after_filter
from rectify.core.types import AnyUser, AuthedUser, signed_in
from rectify.regions.models import Region, Unit
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
    """A list not counted yet: its rows (already select_related and ordered) and how one row reads; ``counted``,
    the same rows as the database counts them sooner, if the list says how."""

    key: str
    label: str
    rows: QuerySet[Any]
    entry: Callable[[Any], TodoEntry]
    limit: int
    counted: QuerySet[Any] | None = None

    @property
    def to_count(self) -> QuerySet[Any]:
        return self.rows if self.counted is None else self.counted

    def resolve(self, count: int) -> TodoList:
        """The list, given its count: the first ``limit`` rows are loaded only when there are any."""
        entries = [self.entry(row) for row in self.rows[:self.limit]] if count else []
        return TodoList(self.key, self.label, count, entries)


Source = Callable[[AuthedUser, int], "TodoList | Pending"]


def listed(key: str, label: str, rows: QuerySet[Any], entry: Callable[[Any], TodoEntry], limit: int,
           counted: QuerySet[Any] | None = None) -> Pending:
    return Pending(key, label, rows, entry, limit, counted)


Statement = tuple[str, tuple[Any, ...]]


def count_statement(querysets: Sequence[QuerySet[Any]]) -> Statement | None:
    """One statement giving the row count of each query set: ``SELECT (SELECT COUNT(*) FROM (…)), …``, or None
    when every one is known to be empty (a filter on an empty list).

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
        return None
    return "SELECT " + ", ".join(parts), tuple(params)


def run_count_statement(statement: Statement | None, how_many: int, using: str) -> list[int]:
    if statement is None:
        return [0] * how_many
    with connections[using].cursor() as cursor:
        cursor.execute(*statement)
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
# Sources that read and count their rows when called (a ``TodoList``), not a ``Pending`` to count: called on
# every request, never kept.
_COUNTING_SOURCES: set[Source] = set()


def todo_list(key: str, *, counts_when_called: bool = False) -> Callable[[Source], Source]:
    """Register a source under ``key``, the name it has in ``TODO_BY_ROLE`` and in the page (data-todo).
    A source returns a ``Pending`` list (its rows, counted with the others) unless ``counts_when_called``."""

    def register(func: Source) -> Source:
        _SOURCES[key] = func
        if counts_when_called:
            _COUNTING_SOURCES.add(func)
        return func

    return register


# ---------------------------------------------------------------- 牵头单位 / 责任单位

@todo_list("tasks_to_redo")
def tasks_to_redo(user: AuthedUser, limit: int) -> Pending:
    """Tasks sent back by the reviewers or reopened, on which the user's units apply again."""
    applicants = Assignment.objects.filter(unit_id__in=unit_ids(user),
                                           role__in=[Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE]).values("task_id")
    rows = (Task.objects.filter(pk__in=applicants, state__in=[TaskState.SENT_BACK, TaskState.REOPENED])
            .order_by(sorted_after_filter("deadline", temporal=True), "id"))
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
    rows = (role_tasks(user, Role.OFFICE).filter(state=TaskState.ACCEPTED)
            .order_by(scope_order(user, "updated_at"), "id"))  # index ``task_accepted_updated``
    return listed("tasks_to_announce", "已验收待发布公示", rows, lambda t: file_entry(t, "验收通过"), limit)


# ---------------------------------------------------------------- 领导

@todo_list("overdue_tasks")
def overdue_tasks(user: AuthedUser, limit: int) -> Pending:
    rows = role_tasks(user, Role.LEADER).filter(overdue_q()).order_by("deadline", "id")
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
    if not signed_in(user):
        return []
    lists = prepared(user, limit)
    pending = lists.pending
    counted = iter(run_count_statement(lists.count, len(pending), pending[0].to_count.db) if pending else [])
    return [item.resolve(next(counted)) if isinstance(item, Pending) else counted_when_called(item, user, limit)
            for item in lists.items]


def counted_when_called(source: Source, user: AuthedUser, limit: int) -> TodoList:
    found = source(user, limit)
    if not isinstance(found, TodoList):
        raise TypeError("a source registered with counts_when_called=True returns a TodoList")
    return found


@dataclass(frozen=True)
class PreparedLists:
    """A user's lists as built for a day: each ``Pending`` list, or the source itself where it counts when called;
    and the statement counting the pending ones."""

    items: tuple[Pending | Source, ...]
    count: Statement | None

    @property
    def pending(self) -> list[Pending]:
        return [item for item in self.items if isinstance(item, Pending)]

    def statements(self) -> list[Any]:
        """What the lists send to the database, to compare two builds."""
        return [self.count, *(statement_of(p.rows[:p.limit]) for p in self.pending),
                *(item for item in self.items if not isinstance(item, Pending))]


def statement_of(rows: QuerySet[Any]) -> Statement | None:
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def prepare(user: AuthedUser, limit: int) -> PreparedLists:
    items: list[Pending | Source] = []
    for source in sources_for(user.roles()):
        item = source if source in _COUNTING_SOURCES else source(user, limit)
        if isinstance(item, TodoList):  # its counts would be kept with the lists
            raise TypeError("a 待我处理 source that counts its rows itself is registered with counts_when_called=True")
        items.append(item)
    return PreparedLists(tuple(items), count_statement([item.to_count for item in items if isinstance(item, Pending)]))


def prepared(user: AuthedUser, limit: int) -> PreparedLists:
    """``prepare``, kept per user, day and limit while no grant, region or unit changes. The lists read the user's
    grants (with their regions and units), id, unit and roles (a superuser's among them), and the day
    (``timezone.localdate``)."""
    key = ("todo lists", user.pk, user.unit_id, frozenset(user.roles()), timezone.localdate(), limit)
    kept = generations.cached([RoleGrant, Region, Unit], key, lambda: prepare(user, limit))
    if getattr(settings, "RECTIFY_VERIFY_KEPT", False):
        fresh = prepare(user, limit)
        if fresh.statements() != kept.statements():
            raise AssertionError(f"待我处理 kept for {key} differs from a fresh build: a list reads more than the key holds")
    return kept
