"""Ledger pages: list, detail, create and edit. Views parse and check; services change state."""
from __future__ import annotations

from typing import Any, NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rectify.accounts.permissions import can
from rectify.accounts.scope import writable_regions
from rectify.core import generations
from rectify.core.estimates import planned_rows
from rectify.core.models import SavedFilter
from rectify.core.pagination import paginate
from rectify.core.reads import Read, Reads, reading
from rectify.core.refusals import Refused, refusal_to_form, show_refusal
from rectify.core.timeline import task_timeline
from rectify.core.types import AuthedRequest, AuthedUser
from rectify.core.versioning import StaleEdit
from rectify.inspections.models import Plan, inspection_label
from rectify.regions.models import Region, Unit, region_facts

from .counts import LedgerCounts, counted_state_counts
from .decompose import DecompositionError, decompose
from .filters import WORD_FILTERS, LedgerFilter, searched_text
from .forms import TaskForm
from .hooks import prepare_for_display
from .milestones import MilestoneRow, milestones_by_task, milestones_read
from .models import Assignment, Measure, Task, overdue_q, task_label
from .paging import PLACE_FILTERS, ledger_walk, order_for_page, walk_window, walked_in_window, walked_page, window_order
from .search_plans import expected_matches, limited_search_counts, scope_size, search_words
from .services import create_task, transition_task, update_task
from .states import TASK_TRANSITIONS, AssignmentState, TaskState


def ledger_filter_of(request: AuthedRequest) -> LedgerFilter:
    """The request's ledger filters over the caller's tasks, the form validated once per request (kept on it): the
    page's rows, counts and estimates are query sets of the same choices (``LedgerFilter.narrowed``)."""
    if not hasattr(request, "_rectify_ledger_filter"):
        base = Task.objects.visible_to(request.user)
        request._rectify_ledger_filter = LedgerFilter(request.GET or None, queryset=base, user=request.user)  # type: ignore[attr-defined]
    return request._rectify_ledger_filter  # type: ignore[attr-defined,no-any-return]


def chosen_filters(ledger_filter: LedgerFilter) -> bool:
    """Whether the request's filters narrow the tasks: a bound and valid form (an invalid one shows every task in
    scope, with its errors)."""
    return bool(ledger_filter.is_bound and ledger_filter.is_valid())


def ledger_queryset(request: AuthedRequest, *, words: str = "index") -> tuple[LedgerFilter, QuerySet[Task]]:
    """The caller's tasks narrowed by the request's filters: shared by the page and the export (``words``: how
    a search's words are looked up, ``filters.task_search_q``; the tasks but the words: ``unsearched_tasks``)."""
    ledger_filter = ledger_filter_of(request)
    tasks = ledger_filter.narrowed(words=words) if chosen_filters(ledger_filter) else ledger_filter.queryset
    if tasks.query.order_by and tasks.query.order_by[-1] not in ("id", "-id"):  # a chosen order, ties broken by the
        tasks = tasks.order_by(*tasks.query.order_by, "plan_id", "id")  # ledger's own: pages never overlap or skip
    tasks = tasks.select_related("region__parent")  # what a row shows (the plan and inspection joined too: 4.8 → 2.6 ms a page)
    return ledger_filter, tasks


def attach_unit_names(tasks: list[Task], reads: Reads | None = None) -> list[Task]:
    """``task.unit_names``: the names of each task's lead and responsible units (not the cooperating
    ones), in the assignments' order, as the ledger's 责任单位 column shows them (``unit_names_read``): now,
    or when the page's ``reads`` run."""
    if not tasks:
        return tasks
    with reading(reads) as page_reads:
        found = page_reads.add(unit_names_read([task.pk for task in tasks]))

        def attach() -> None:
            names: dict[int, list[str]] = {task.pk: [] for task in tasks}
            for task_id, name in found.rows:
                names[task_id].append(name)
            for task in tasks:
                task.unit_names = names[task.pk]  # type: ignore[attr-defined]

        page_reads.then(attach)
    return tasks


def unit_names_read(task_ids: list[int]) -> Read:
    """The read of the tasks' lead and responsible units' names (rows: task id, name; each task's in the
    assignments' order: role, id): loading the 125 assignments and units of a page as objects cost more than
    the rest of the rows; written here: the ORM's compilation of it cost ~1 ms of CPU per page, the statement
    alone ~0.2 ms."""
    marks = ", ".join(["%s"] * len(task_ids))
    return Read(Assignment, (("a.task_id", "integer"), ("u.name", "text")),
                f"FROM {Assignment._meta.db_table} a JOIN {Unit._meta.db_table} u ON u.id = a.unit_id "  # noqa: S608
                f"WHERE a.task_id IN ({marks}) AND NOT (a.role = %s)",
                (*task_ids, Assignment.Role.COOPERATING.value),
                order=(("a.task_id", "integer"), ("a.role", "text"), ("a.id", "integer")))


# What a ledger row shows and its light reads of a task (``_ledger_rows.html``, ``supervision.schedule.light_for``).
LEDGER_ROW_FIELDS = ("uuid", "created_at", "plan_id", "region_id", "seq", "title", "problem", "target", "section_title",
                     "priority", "needs_completion", "incomplete_reason", "deadline", "long_term", "state")


def ledger_rows_only(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """The page's rows with the fields they show, their regions named from ``region_facts`` (``attach_region_names``)
    rather than joined: the other columns and two region instances a row cost ~0.6 ms of CPU per page."""
    return tasks.select_related(None).only(*LEDGER_ROW_FIELDS)


def attach_region_names(tasks: list[Task]) -> list[Task]:
    """``task.region_full_name``: the full name of each task's region, from the regions kept in the process
    (``region_facts``) rather than two joined model instances a row; a region newer than them is read."""
    facts = region_facts()
    for task in tasks:
        found = facts.get(task.region_id)
        task.region_full_name = (  # type: ignore[attr-defined]
            found.full_name if found is not None else Region.objects.select_related("parent").get(pk=task.region_id).full_name)
    return tasks


def saved_filters_of(user: AuthedUser) -> list[SavedFilter]:
    """The user's saved filters (常用筛选), kept per process until one is saved or deleted (``core.generations``)."""
    return generations.cached_copies([SavedFilter], ("saved filters", user.pk),
                                     lambda: list(SavedFilter.objects.filter(user=user)))


def state_counts(tasks: QuerySet[Task], today: Any = None) -> LedgerCounts:
    """The counts above the ledger in ONE grouped query: per state, overdue and to complete
    (an index-only scan of ``task_region_path_counts`` over the tasks in scope on PostgreSQL)."""
    rows = (tasks.order_by().values_list("state")
            .annotate(n=Count("id"), overdue=Count("id", filter=overdue_q(today or timezone.localdate())),
                      incomplete=Count("id", filter=Q(needs_completion=True))))
    counts: dict[str, int] = {}
    overdue = incomplete = 0
    for state, n, state_overdue, state_incomplete in rows:
        counts[state] = n
        overdue += state_overdue
        incomplete += state_incomplete
    return LedgerCounts([{"value": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in TaskState], overdue, incomplete)


# Parameters of the page itself, not filters: the page number and the ask to count now (``counts=1``).
PAGE_PARAMS = ("page", "counts")


def filters_without_state(request: AuthedRequest) -> Any:
    """The request's filters but the state chosen: what the counts above the ledger count."""
    without_state = request.GET.copy()
    for name in ("state", *PAGE_PARAMS):
        without_state.pop(name, None)
    return without_state


def counted_tasks(request: AuthedRequest, without_state: Any, words: str | None = "index") -> QuerySet[Task]:
    """The tasks the counts above the ledger count: the caller's, narrowed by the filters but the state (those of the
    page's own form when it is valid; else their own, which may be) and, ``words`` None, but the words (``WORD_FILTERS``)."""
    page_filter = ledger_filter_of(request)
    if chosen_filters(page_filter):
        return page_filter.narrowed(words=words, without=("state",) if words else ("state", *WORD_FILTERS))
    if words is None:
        without_state = without_state.copy()
        for name in WORD_FILTERS:
            without_state.pop(name, None)
    count_filter = LedgerFilter(without_state or None, queryset=Task.objects.visible_to(request.user), user=request.user,
                                words=words or "index")
    tasks: QuerySet[Task] = count_filter.qs if count_filter.is_bound and count_filter.is_valid() else count_filter.queryset
    return tasks


def ledger_counts_of(request: AuthedRequest, without_state: Any) -> LedgerCounts:
    """(per state, overdue, to complete) above the ledger. The landing page (no filter but the state) reads
    the maintained counts (``counts.counted_state_counts``); a search over a scope of more than
    ``LEDGER_COUNT_LATER_ROWS`` tasks reads a limited number of its matches (``limited_search_counts``); another
    filtered page, or a scope that is not whole region subtrees, counts its tasks."""
    counted = None if without_state else counted_state_counts(request.user, timezone.localdate())
    if counted is not None:
        return counted
    text = searched_text(without_state)
    in_scope = scope_size(request) if text else None
    if in_scope is not None and in_scope > settings.LEDGER_COUNT_LATER_ROWS:
        return limited_search_counts(lambda words: counted_tasks(request, without_state, words), text, in_scope)
    return state_counts(counted_tasks(request, without_state, page_words(request)))


def page_words(request: AuthedRequest) -> str:
    """``search_words`` of the request, weighed against the tasks its other filters leave (a unit's, a region's, a
    state's: PostgreSQL's estimate) rather than the caller's whole scope. Within one unit's tasks the administrator's
    search read the pair index's lists of the whole country (整改: 145,000 candidates, 100 ms; a province office's
    with its units named 生态环境, 1.4 s)."""
    ledger_filter = ledger_filter_of(request)
    chosen = ledger_filter.form.cleaned_data if chosen_filters(ledger_filter) else {}
    if not any(value is not None if name == "long_term" else value  # 长期坚持: no, as well as yes
               for name, value in chosen.items() if name not in (*WORD_FILTERS, "ordering")):
        return search_words(request)
    return search_words(request, lambda: planned_rows(unsearched_tasks(request)))


def unsearched_tasks(request: AuthedRequest) -> QuerySet[Task, Any]:
    """The keys of the tasks the page's filters but its words leave, for PostgreSQL to estimate (``planned_rows``,
    ``expected_matches``): of every task when a place is chosen. A region's, a unit's or a plan's tasks lie within the
    caller's scope, and PostgreSQL, taking the two conditions for independent, multiplied their shares: a province
    office's tasks of its units named 生态环境 and 整改 were expected 25 (of 4,482), and their page was sorted."""
    ledger_filter = ledger_filter_of(request)
    if not chosen_filters(ledger_filter):
        every: QuerySet[Task] = ledger_filter.queryset
        return every.values("pk")
    place = any(ledger_filter.form.cleaned_data.get(name) for name in PLACE_FILTERS)
    return ledger_filter.narrowed(without=WORD_FILTERS, base=Task.objects.all() if place else None).values("pk")


def counts_later(request: AuthedRequest, without_state: Any) -> bool:
    """Whether the counts of a filtered page are loaded after the page (``ledger_counts``): when the caller's
    scope holds more than ``LEDGER_COUNT_LATER_ROWS`` tasks (the maintained counts say how many), counting the
    matches of a filter or a search reads each of them (the administrator's 污水: 37,000 rows, 46 ms at
    300,000 tasks), while the page itself needs only its own rows. ``counts=1`` counts in the page (the
    placeholder's link without JavaScript)."""
    if not without_state or request.GET.get("counts") == "1":
        return False
    size = scope_size(request)
    return size is not None and size > settings.LEDGER_COUNT_LATER_ROWS


def counts_context(request: AuthedRequest, without_state: Any, counted: LedgerCounts) -> dict[str, Any]:
    counts, overdue_count, incomplete_count, more_than = counted
    count_all = f"{more_than}+" if more_than is not None else sum(c["count"] for c in counts)
    return {"counts": counts, "count_all": count_all, "counted_up_to": more_than, "overdue_count": overdue_count,
            "incomplete_count": incomplete_count, "query_without_state": without_state.urlencode(),
            "state_chosen": bool(request.GET.get("state"))}


@login_required
def ledger(request: AuthedRequest) -> HttpResponse:
    ledger_filter = ledger_filter_of(request)
    without_state = filters_without_state(request)
    later = counts_later(request, without_state)
    counted = None if later else ledger_counts_of(request, without_state)
    chosen = ledger_filter.form.cleaned_data if chosen_filters(ledger_filter) else {}
    total = None
    if counted is not None and counted.more_than is None and (not ledger_filter.is_bound or ledger_filter.is_valid()):
        # The page's filters are the counts' filters plus the states chosen: its total is their sum.
        states = set(chosen.get("state") or [])
        total = sum(c["count"] for c in counted[0] if not states or c["value"] in states)
    countless = later or (counted is not None and counted.more_than is not None)  # too many matches to count
    rows = total
    text = searched_text(chosen)  # the search's words and the section's
    if rows is None and countless:  # PostgreSQL's estimate; of a search, its tasks' × its words' share
        unsearched = unsearched_tasks(request)
        rows = expected_matches(text, unsearched) if text else planned_rows(unsearched)
    # Rows of every region or of a whole province, no other place chosen: spread over the plan order, which is walked
    # (``order_for_page``); with words or a region name chosen too, a window of it when they are common enough
    # (``walk_window``), else the matches sorted, their words looked up as ``page_words`` chooses.
    walk = ledger_walk(request.user, chosen)
    page = None
    if walk is not None and walked_in_window(chosen, text):
        window = walk_window(request, rows, walk) if window_order(chosen, walk) else None
        if window:
            page = walked_page(request, ledger_rows_only(ledger_queryset(request, words="scan")[1]), window, total, countless, walk)
        walk = None
    if page is None:
        tasks = ledger_rows_only(ledger_queryset(request, words=page_words(request))[1])
        page = paginate(request, order_for_page(tasks, rows, walk=walk), settings.LEDGER_PAGE_SIZE,
                        deferred=True, count=total, countless=countless)
    shown = list(page.object_list)
    attach_region_names(shown)
    with reading() as reads:  # the rows' lights and unit names: one statement
        prepare_for_display(shown, reads)
        attach_unit_names(shown, reads)
    query = request.GET.copy()
    for name in PAGE_PARAMS:
        query.pop(name, None)
    region, unit = chosen.get("region"), chosen.get("unit")
    context = {
        "chosen_region": region,
        "region_text": region.full_name if region else request.GET.get("region_name", ""),
        "chosen_unit": unit,
        "chosen_plan": chosen.get("plan"),
        "filter_errors": ledger_filter.form.errors if ledger_filter.is_bound else None,  # an unbound page builds no form
        "unit_text": unit.name if unit else request.GET.get("unit_name", ""),
        "filter": ledger_filter,
        "page": page,
        "total": page.paginator.count,  # None when the counts come later
        "counts_later": later,
        "inspection_options": ledger_filter.inspection_options(request.GET.get("inspection", "")),
        "query": query.urlencode(),
        "saved_filters": saved_filters_of(request.user),
        "can_edit": can(request.user, "ledger.edit"),
        "today": timezone.localdate(),
        **(counts_context(request, without_state, counted) if counted is not None else {}),
    }
    return render(request, "tasks/ledger.html", context, using="jinja2")


@login_required
def ledger_counts(request: AuthedRequest) -> HttpResponse:
    """The counts above a ledger page loaded after it (``counts_later``): the same filters, the same section."""
    without_state = filters_without_state(request)
    return render(request, "tasks/_ledger_counts.html",
                  counts_context(request, without_state, ledger_counts_of(request, without_state)), using="jinja2")


class AssignmentRow(NamedTuple):
    """An assignment as a task's page lists it (责任分工)."""

    unit_id: int
    unit_name: str
    role_label: str
    state_label: str


ROLE_LABELS = {value: str(label) for value, label in Assignment.Role.choices}
ASSIGNMENT_STATE_LABELS = {value: str(label) for value, label in AssignmentState.choices}


def assignments_read(task: Task) -> Read:
    """The read of the task's assignments in their order (role, id), each with its unit's name (rows: unit id,
    unit name, role, state), written here: as instances with their units (a query set compiled and two model
    instances a row) they cost ~0.6 ms of CPU on a task's page, the statement ~0.1 ms."""
    return Read(Assignment, (("a.unit_id", "integer"), ("u.name", "text"), ("a.role", "text"), ("a.state", "text")),
                f"FROM {Assignment._meta.db_table} a JOIN {Unit._meta.db_table} u ON u.id = a.unit_id "  # noqa: S608
                "WHERE a.task_id = %s", (task.pk,), order=(("a.role", "text"), ("a.id", "integer")))


def assignment_rows(rows: list[tuple[Any, ...]]) -> list[AssignmentRow]:
    """The rows of ``assignments_read`` as the page lists them."""
    return [AssignmentRow(unit_id, name, ROLE_LABELS.get(role, role), ASSIGNMENT_STATE_LABELS.get(state, state))
            for unit_id, name, role, state in rows]


def measures_read(task: Task) -> Read:
    """The read of the texts of the task's measures in their order (order, id), written here as ``milestones_read``."""
    return Read(Measure, (('"text"', "text"),), f"FROM {Measure._meta.db_table} WHERE task_id = %s",  # noqa: S608
                (task.pk,), order=(('"order"', "integer"), ("id", "integer")))


class TaskPageRows(NamedTuple):
    """What a task's page lists of the task's own rows (``task_page_rows``)."""

    milestones: list[MilestoneRow]
    measures: list[str]
    assignments: list[AssignmentRow]


def task_page_rows(task: Task) -> TaskPageRows:
    """The task's milestones, measures and assignments, and its light (``prepare_for_display``), in ONE statement
    (``core.reads``): its milestones are read once, for the page and for the light (``task.shown_milestones``,
    filled before the light is lit: the steps run in the order they were added)."""
    shown = TaskPageRows([], [], [])
    task.shown_milestones = shown.milestones  # type: ignore[attr-defined]  # what the light reads (supervision.schedule)
    with reading() as reads:
        milestones, measures, assignments = (reads.add(milestones_read([task.pk])), reads.add(measures_read(task)),
                                             reads.add(assignments_read(task)))

        def fill() -> None:
            shown.milestones.extend(milestones_by_task(milestones.rows).get(task.pk, []))
            shown.measures.extend(text for (text,) in measures.rows)
            shown.assignments.extend(assignment_rows(assignments.rows))

        reads.then(fill)
        prepare_for_display([task], reads)
    return shown


@login_required
def task_detail(request: AuthedRequest, uuid: str) -> HttpResponse:
    """A task's page (Jinja2, ``tasks/task_detail.html``): everything it shows is loaded here, nothing by the template.
    The plan, the inspection and the parent task are shown by name only: their names are read with the task
    (``DETAIL_NAMES``), not their rows (the three joined models' columns cost ~0.4 ms of CPU to compile and load);
    its region and its children's by ``attach_region_names`` (joining the region and its parent doubled the
    statement's planning, ~1.0 against ~0.5 ms at 300,000 tasks)."""
    task = get_object_or_404(
        Task.objects.visible_to(request.user)
        # may the user edit it: asked with the task (editable_by's condition on the same row), not in a query of its own
        .annotate(editable=ExpressionWrapper(Task.objects.editable_q(request.user), output_field=BooleanField()),
                  # whether to look for the children in scope: most tasks have none (a query of ~0.9 ms of CPU saved)
                  has_children=Exists(Task.objects.filter(parent_id=OuterRef("pk"))), **DETAIL_NAMES),
        uuid=uuid,
    )
    milestones, measures, assignments = task_page_rows(task)
    own_units = {g.unit_id for g in request.user.grants if g.unit_id}
    history = task_timeline(task.uuid, 100)
    children = list(Task.objects.visible_to(request.user).filter(parent=task)) if task.has_children else []  # type: ignore[attr-defined]
    attach_region_names([task, *children])  # named from the process's regions, not two joined regions a task
    can_edit = bool(task.editable)  # type: ignore[attr-defined]
    names: Any = task
    return render(
        request,
        "tasks/task_detail.html",
        {
            "task": task,
            "plan_name": names.plan_title,
            "inspection_name": inspection_label(names.inspection_level, names.inspection_round, names.inspection_region,
                                                names.inspection_team) if task.inspection_id else None,
            "parent_name": task_label(names.parent_seq, names.parent_title, names.parent_problem, names.parent_target)
            if task.parent_id else None,
            "milestones": milestones,
            "measures": measures,
            "assignments": assignments,
            "history": history,
            "children": children,
            "can_edit": can_edit,
            "can_start": TaskState.IN_PROGRESS in TASK_TRANSITIONS[task.state]
            and (can_edit or any(a.unit_id in own_units for a in assignments)),
        },
        using="jinja2",
    )


# What a task's page shows of its plan, inspection and parent, read with the task.
DETAIL_NAMES = {
    "plan_title": F("plan__title"),
    "inspection_level": F("inspection__level"), "inspection_round": F("inspection__round"),
    "inspection_region": F("inspection__target_region__name"), "inspection_team": F("inspection__team"),
    "parent_uuid": F("parent__uuid"), "parent_seq": F("parent__seq"), "parent_title": F("parent__title"),
    "parent_problem": F("parent__problem"), "parent_target": F("parent__target"),
}


def _form_choices(request: AuthedRequest, task: Task | None = None) -> dict[str, Any]:
    """The task form's choices, from the user's WRITE scope (never the wider read scope)."""
    regions = writable_regions(request.user)
    plans = Plan.objects.filter(region__in=regions)
    if task is not None:  # the plan field is fixed on edit; it shows the task's own plan
        plans = Plan.objects.filter(pk__in=plans.values("pk")) | Plan.objects.filter(pk=task.plan_id)
    return {"plans": plans.select_related("region"), "regions": regions, "editing": task is not None}


@login_required
def task_create(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, "ledger.edit"):
        raise PermissionDenied("只有整改办或管理员可以新建任务")
    form = TaskForm(request.POST or None, **_form_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            task = create_task(form.task_data(), reason=form.cleaned_data["reason"] or "新建任务")
        except Refused as refused:
            refusal_to_form(form, refused)
            return render(request, "tasks/task_form.html", {"form": form, "creating": True}, status=refused.status)
        messages.success(request, f"任务“{task.seq}”已创建")
        return redirect("tasks:detail", uuid=task.uuid)
    return render(request, "tasks/task_form.html", {"form": form, "creating": True})


@login_required
def task_edit(request: AuthedRequest, uuid: str) -> HttpResponse:
    task = get_object_or_404(Task.objects.visible_to(request.user), uuid=uuid)
    if not Task.objects.editable_by(request.user).filter(pk=task.pk).exists():
        raise PermissionDenied("您没有修改此任务的权限")
    if request.method == "POST":
        form = TaskForm(request.POST, initial=TaskForm.initial_from(task), **_form_choices(request, task))
        if form.is_valid():
            data = form.task_data(parent=task.parent)
            data.completion = task.completion
            try:
                changed = update_task(task, data, expected_version=form.cleaned_data["version"] or 0, reason=form.cleaned_data["reason"])
            except Refused as refused:
                refusal_to_form(form, refused)
                stale = isinstance(refused, StaleEdit)
                return render(request, "tasks/task_form.html", {"form": form, "task": task, "stale": stale}, status=refused.status)
            messages.success(request, "修改已保存" if changed else "内容没有变化，未做修改")
            return redirect("tasks:detail", uuid=task.uuid)
    else:
        form = TaskForm(initial=TaskForm.initial_from(task), **_form_choices(request, task))
    return render(request, "tasks/task_form.html", {"form": form, "task": task})


@login_required
@require_POST
def save_filter(request: AuthedRequest) -> HttpResponse:
    name = (request.POST.get("name") or "").strip()[:60]
    query = (request.POST.get("query") or "").strip()[:1000]
    if not name:
        messages.error(request, "请为筛选条件起一个名称")
    else:
        SavedFilter.objects.update_or_create(user=request.user, name=name, defaults={"query": query})
        messages.success(request, f"已保存筛选“{name}”")
    return HttpResponseRedirect(f"{reverse('tasks:ledger')}?{query}")


@login_required
@require_POST
def delete_filter(request: AuthedRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    saved.delete()
    messages.success(request, f"已删除筛选“{saved.name}”")
    return redirect("tasks:ledger")


@login_required
@require_POST
def task_decompose(request: AuthedRequest, uuid: str) -> HttpResponse:
    task = get_object_or_404(Task.objects.visible_to(request.user), uuid=uuid)
    if not Task.objects.editable_by(request.user).filter(pk=task.pk).exists():
        raise PermissionDenied("只有本级或上级整改办可以分解任务")
    try:
        children = decompose(task, request.POST.get("lines", ""), reason=(request.POST.get("reason") or "").strip()[:500])
    except DecompositionError as error:
        for message in error.problems:
            messages.error(request, message)
        return redirect(f"{reverse('tasks:detail', args=[task.uuid])}#decompose")
    messages.success(request, f"已分解为 {len(children)} 项下级任务")
    return redirect("tasks:detail", uuid=task.uuid)


@login_required
@require_POST
def task_start(request: AuthedRequest, uuid: str) -> HttpResponse:
    """开始整改: an assigned (or sent back / reopened) task moves to in progress."""
    task = get_object_or_404(Task.objects.visible_to(request.user), uuid=uuid)
    own_units = [g.unit_id for g in request.user.grants if g.unit_id]
    assigned_to_me = task.assignments.filter(unit_id__in=own_units).exists()
    if not (assigned_to_me or Task.objects.editable_by(request.user).filter(pk=task.pk).exists()):
        raise PermissionDenied("只有承担该任务的单位或整改办可以变更状态")
    version = request.POST.get("version") or "0"
    if not version.isdigit() or len(version) > 9:
        messages.error(request, "页面版本号无效，请刷新页面后重试")
        return redirect("tasks:detail", uuid=task.uuid)
    try:
        transition_task(task, TaskState.IN_PROGRESS, expected_version=int(version), reason="开始整改")
    except Refused as error:
        show_refusal(request, error)
    else:
        messages.success(request, "任务已进入“整改中”")
    return redirect("tasks:detail", uuid=task.uuid)
