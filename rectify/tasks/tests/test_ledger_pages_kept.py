"""The ledger's pages hold the rows of the plain query, in its order, whatever SQL finds them: every role,
the common filters (state, open tasks past their deadline, a search, a region), the first, a middle and
the last page, the plan-order index walked or the scope sorted. And the administrator's 待我处理 list
"已验收待发布公示", read from its own index, is the list of the plain order."""
from __future__ import annotations

import datetime
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from conftest import FIXED_NOW
from rectify.inspections.models import Plan
from rectify.regions.models import Region, Unit
from rectify.tasks.filters import task_search_q
from rectify.tasks.models import Assignment, Task, overdue_q
from rectify.tasks.states import TaskState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]
TODAY = FIXED_NOW.date()  # the clock of every test here (conftest.fixed_clock)
PAGE = 4


@pytest.fixture
def ledger(world: SimpleNamespace, make_task: Any) -> None:
    """30 tasks over two cities and three plans, in every open state and some closed, past and future
    deadlines, long-term ones, some with 污水 in the title; created out of plan order. And 6 of another province,
    in a plan between theirs (a province's order is its own: ``paging.walkable_order``)."""
    later = Plan.objects.create(inspection=world.inspection, region=world.city, title="晋城市第二轮整改方案")
    other_province = Region.objects.create(code="130000", name="河北省", level="province", path="130000/")
    other_city = Region.objects.create(code="130100", name="石家庄市", level="city", parent=other_province, path="130000/130100/")
    elsewhere = Plan.objects.create(region=other_city, title="石家庄市整改方案")
    elsewhere_unit = Unit.objects.create(name="石家庄市生态环境局", region=other_city)
    for n in range(6):
        make_task(plan=elsewhere, region=other_city, seq=str(n + 1), units={Assignment.Role.RESPONSIBLE: [elsewhere_unit]},
                  title="城区污水管网" if n % 2 else "扬尘治理", deadline=TODAY + datetime.timedelta(days=(n % 3) * 40 - 50))
    states = [TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.APPLIED, TaskState.ACCEPTED, TaskState.SENT_BACK]
    for n in range(30):
        other = n % 5 == 4
        plan = world.other_plan if other else (later if n % 3 == 0 else world.plan)
        region = world.other_city if other else (world.county if n % 2 else world.county2)
        units = {Assignment.Role.RESPONSIBLE: [world.unit_other_env if other else world.unit_county_env]}
        task = make_task(plan=plan, region=region, seq=str(30 - n), units=units,
                         title=("城区污水处理厂提标" if n % 4 == 0 else "扬尘治理") + str(n),
                         deadline=TODAY + datetime.timedelta(days=(n % 7) * 20 - 60), long_term=n % 11 == 0)
        Task.objects.filter(pk=task.pk).update(state=states[n % 5])  # a state of the loop without its steps


def page_ids(client: Any, query: dict[str, str], page: int) -> list[int]:
    response = client.get(reverse("tasks:ledger"), {**query, "page": str(page)})
    assert response.status_code == 200
    return [t.pk for t in response.context["page"].object_list]


FILTERS: list[tuple[dict[str, str], Any]] = [
    ({}, lambda qs, w: qs),
    ({"state": TaskState.IN_PROGRESS}, lambda qs, w: qs.filter(state=TaskState.IN_PROGRESS)),
    ({"state": TaskState.IN_PROGRESS, "overdue": "on"}, lambda qs, w: qs.filter(overdue_q(TODAY), state=TaskState.IN_PROGRESS)),
    ({"overdue": "on"}, lambda qs, w: qs.filter(overdue_q(TODAY))),
    ({"q": "污水"}, lambda qs, w: qs.filter(task_search_q("污水"))),
    ({"region": "county"}, lambda qs, w: qs.filter(region_path__startswith=w.county.path)),
    ({"region": "province"}, lambda qs, w: qs.filter(region_path__startswith=w.province.path)),
    ({"region": "province", "q": "污水"}, lambda qs, w: qs.filter(task_search_q("污水"), region_path__startswith=w.province.path)),
]


@pytest.mark.parametrize("who", ["admin", "province_office", "city_office", "leader", "county_unit"])
@pytest.mark.parametrize("sort_in_scope", [0, 50_000])
@pytest.mark.parametrize("index", range(len(FILTERS)))
def test_every_page_holds_the_plain_querys_rows(who: str, sort_in_scope: int, index: int, world: SimpleNamespace,
                                                ledger: None, login: Any, settings: Any) -> None:
    settings.LEDGER_PAGE_SIZE = PAGE
    settings.LEDGER_SORT_IN_SCOPE_ROWS = sort_in_scope  # 0: every ledger walks the plan-order index
    query, narrow = FILTERS[index]
    if query.get("region") == "province" and who not in ("admin", "province_office"):
        pytest.skip("the province is not among this user's regions to choose")
    if query.get("region") in ("county", "province"):
        query = {**query, "region": str(getattr(world, query["region"]).pk)}
    user = getattr(world, who)
    expected: QuerySet[Task] = narrow(Task.objects.visible_to(user), world).order_by("plan_id", "id")
    ids = list(expected.values_list("pk", flat=True))
    assert ids, "a filter with no rows proves nothing"
    last = -(-len(ids) // PAGE)
    client = login(user)
    for page in sorted({1, (last + 1) // 2, last}):
        assert page_ids(client, query, page) == ids[(page - 1) * PAGE:page * PAGE], (who, query, page)


def test_the_administrators_list_to_announce_is_the_plain_order(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    """Accepted tasks with equal and different update times, in both cities: the administrator sees them all
    in (updated_at, id) order, the city office its own in the same order."""
    base = timezone.now() - datetime.timedelta(days=3)
    for n in range(9):
        task = make_task(plan=world.other_plan if n % 3 == 0 else world.plan,
                         region=world.other_city if n % 3 == 0 else world.county, seq=str(n + 1))
        Task.objects.filter(pk=task.pk).update(state=TaskState.ACCEPTED, updated_at=base + datetime.timedelta(hours=(7 * n) % 4))
    make_task(seq="99")  # not accepted: not listed

    def listed(user: Any) -> list[str]:
        html = login(user).get(reverse("notifications:todo")).content.decode()
        return re.findall(r"/acceptance/tasks/([0-9a-f-]{36})/\"", html)

    accepted = Task.objects.filter(state=TaskState.ACCEPTED).order_by("updated_at", "id")
    everything = [str(t.uuid) for t in accepted]
    city = [str(t.uuid) for t in accepted.filter(region_path__startswith=world.city.path)]
    assert len(everything) == 9 and len(city) == 6
    assert listed(world.admin) == everything
    assert listed(world.city_office) == city


@pytest.mark.parametrize("walk_rows", [0, 10**9])
@pytest.mark.parametrize("words", ["污水", "污水 城区", "扬尘"])
def test_a_search_of_the_whole_ledger_walked_or_sorted_holds_the_plain_rows(walk_rows: int, words: str, world: SimpleNamespace,
                                                                         ledger: None, login: Any, settings: Any) -> None:
    """The administrator's search: its page found by walking the plan order and checking each row's text
    (``paging.walk_window``: common words) or through the pair index and a sort — the same rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.LEDGER_PAGE_SIZE = PAGE
    settings.LEDGER_WALK_SEARCH_ROWS = walk_rows  # 0: never walked; 10**9: always, on PostgreSQL
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task")  # the estimate of the table's rows the choice reads
    ids = list(Task.objects.filter(task_search_q(words)).order_by("plan_id", "id").values_list("pk", flat=True))
    assert ids
    last = -(-len(ids) // PAGE)
    client = login(world.admin)
    for page in sorted({1, (last + 1) // 2, last}):
        with CaptureQueriesContext(connection) as ctx:
            assert page_ids(client, {"q": words}, page) == ids[(page - 1) * PAGE:page * PAGE], (words, page)
        rows_sql = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"] and '"search_text"' in q["sql"]
                    and "LIMIT" in q["sql"]]
        assert rows_sql
        if connection.vendor == "postgresql" and (page == 1 or not walk_rows):  # SQLite: the scan either way
            # the first page walked; a later one, its window grown past twice its matches, may be sorted (``walk_window``)
            assert all(("rectify_text_grams" not in sql) == (walk_rows > 0) for sql in rows_sql), rows_sql


WALKED_FILTERS: list[tuple[dict[str, str], Any]] = [
    ({"q": "扬尘", "state": TaskState.IN_PROGRESS}, lambda qs: qs.filter(task_search_q("扬尘"), state=TaskState.IN_PROGRESS)),
    ({"q": "扬尘", "overdue": "on"}, lambda qs: qs.filter(task_search_q("扬尘"), overdue_q(TODAY))),
    ({"q": "污水", "long_term": "false"}, lambda qs: qs.filter(task_search_q("污水"), long_term=False)),
]


@pytest.mark.parametrize("walk_rows", [0, 10**9])
@pytest.mark.parametrize("index", range(len(WALKED_FILTERS)))
@pytest.mark.parametrize("who", ["admin", "province_office"])
def test_a_walked_search_with_more_filters_checks_them_on_each_row_of_the_window(
        who: str, index: int, walk_rows: int, world: SimpleNamespace, ledger: None, login: Any, settings: Any,
        monkeypatch: Any) -> None:
    """A search with a state, past its deadline or not long-term, walked or sorted: the rows of the plain query. Walked
    (PostgreSQL), the page's keys are read from the window of the plan order as a subquery, every condition checked
    outside it (``paging.window_keys``), so that the database walks the window's index and stops at the page's last
    match: written as ``id IN (window) AND conditions``, PostgreSQL read the whole table with the conditions when it
    expected few matches and hashed the window against them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rectify.tasks import paging

    settings.LEDGER_PAGE_SIZE = 2
    settings.LEDGER_WALK_SEARCH_ROWS = walk_rows
    monkeypatch.setattr(paging, "WALKED_ROWS_PER_MATCH", 10**9)  # walked however few the matches of so small a ledger
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task")
    query, narrow = WALKED_FILTERS[index]
    user = getattr(world, who)
    ids = list(narrow(Task.objects.visible_to(user)).order_by("plan_id", "id").values_list("pk", flat=True))
    assert len(ids) > 2, "one page proves no order"
    last = -(-len(ids) // 2)
    client = login(user)
    walked = 0
    for page in sorted({1, (last + 1) // 2, last}):
        with CaptureQueriesContext(connection) as ctx:
            assert page_ids(client, query, page) == ids[(page - 1) * 2:page * 2], (who, query, page)
        windows = [q["sql"] for q in ctx.captured_queries
                   if re.search(r'FROM \(SELECT .+ ORDER BY .+ LIMIT \d+\) "tasks_task" WHERE .*"search_text"', q["sql"])]
        walked += bool(windows)
    assert (walked > 0) == (connection.vendor == "postgresql" and walk_rows > 0)


def test_a_walk_that_finds_too_few_matches_gives_way_to_the_sort(world: SimpleNamespace, make_task: Any, login: Any,
                                                                settings: Any) -> None:
    """Words that all lie at the end of the plan order, where a walk expects them spread: the window walked for
    the first pages (twice the rows expected to hold them) holds none, and the page is found by the sort — the
    same rows as the plain query, page after page (``paging.walked_page``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.LEDGER_PAGE_SIZE = PAGE
    settings.LEDGER_WALK_SEARCH_ROWS = 10**9
    last_plan = Plan.objects.create(inspection=world.inspection, region=world.city, title="晋城市第三轮整改方案")
    for n in range(72):  # page 1 expected within 4 × 72 / 12 = 24 rows: the window of 52 holds none of the 12
        make_task(seq=str(n + 1), title="扬尘治理" if n < 60 else "城区污水管网", plan=world.plan if n < 60 else last_plan)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task")
    ids = list(Task.objects.filter(task_search_q("污水")).order_by("plan_id", "id").values_list("pk", flat=True))
    assert len(ids) == 12
    client = login(world.admin)
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as ctx:
            assert page_ids(client, {"q": "污水"}, page) == ids[(page - 1) * PAGE:page * PAGE]
        if connection.vendor == "postgresql" and page == 1:  # walked (LIKE) first, then sorted (the pair index)
            searched = [q["sql"] for q in ctx.captured_queries if '"search_text"' in q["sql"] and "LIMIT" in q["sql"]]
            assert any("rectify_text_grams" not in sql for sql in searched) and any("rectify_text_grams" in sql for sql in searched)


@pytest.mark.parametrize("walk_rows", [0, 10**9])
@pytest.mark.parametrize("words", ["污水", "扬尘"])
@pytest.mark.parametrize("who", ["province_office", "admin_in_province"])
def test_a_search_of_a_whole_province_walked_or_sorted_holds_the_plain_rows(who: str, walk_rows: int, words: str,
                                                                           world: SimpleNamespace, ledger: None, login: Any,
                                                                           settings: Any) -> None:
    """A province office's search, or the administrator's with the province chosen: its page found by walking the
    province's own plan order (``paging.walkable_order``, PostgreSQL) or by the sort — the rows of the plain query, and
    none of the other province's between them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.LEDGER_PAGE_SIZE = PAGE
    settings.LEDGER_WALK_SEARCH_ROWS = walk_rows
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task")
    user, query = (world.province_office, {"q": words}) if who == "province_office" else \
        (world.admin, {"q": words, "region": str(world.province.pk)})
    ids = list(Task.objects.filter(task_search_q(words), region_path__startswith=world.province.path)
               .order_by("plan_id", "id").values_list("pk", flat=True))
    assert ids and Task.objects.filter(task_search_q(words)).exclude(pk__in=ids).exists()
    last = -(-len(ids) // PAGE)
    client = login(user)
    walked_pages = set()
    for page in sorted({1, (last + 1) // 2, last}):
        with CaptureQueriesContext(connection) as ctx:
            assert page_ids(client, query, page) == ids[(page - 1) * PAGE:page * PAGE], (who, words, page)
        if any("split_part" in q["sql"] and "LIMIT" in q["sql"] for q in ctx.captured_queries):
            walked_pages.add(page)
    assert (1 in walked_pages) == (connection.vendor == "postgresql" and walk_rows > 0), walked_pages
    assert walk_rows > 0 or not walked_pages


def test_a_province_office_walks_its_own_plan_order(world: SimpleNamespace, ledger: None, login: Any, settings: Any) -> None:
    """The page of a province office's ledger (on PostgreSQL) is read through ``task_province_order`` (migration
    ``tasks 0021``): the statement's province condition is the index's expression, so the page's keys are its first
    entries, with no sort of the province's tasks. A city office's ledger is not (its tasks are sorted: ``paging.order_for_page``)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the province order index is PostgreSQL's (SQLite sorts a province's tasks)")
    settings.LEDGER_PAGE_SIZE = PAGE
    for user, walks in ((world.province_office, True), (world.city_office, False)):
        with CaptureQueriesContext(connection) as ctx:
            assert login(user).get(reverse("tasks:ledger")).status_code == 200
        keys = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "tasks_task"."id"')
                and "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
        assert keys
        assert any("split_part" in sql for sql in keys) == walks, keys
        if walks:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_sort = off")  # a few rows: a sort would be cheaper
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + next(sql for sql in keys if "split_part" in sql))
                plan = [row[0] for row in cursor.fetchall()]
            walked = [n for n, line in enumerate(plan) if "task_province_order" in line]
            # the page's keys: the first rows of the index, no sort between (the 25 rows read are then ordered)
            assert walked and "Limit" in plan[walked[0] - 1], "\n".join(plan)


@pytest.mark.parametrize("walk_rows", [0, 10**9])
@pytest.mark.parametrize("typed", ["水环境", "黑臭水体 治理", "pm2.5", "PM2.5 治理", "不存在的章节"])
@pytest.mark.parametrize("who", ["admin", "province_office"])
def test_a_section_walked_or_through_the_index_holds_the_plain_rows(who: str, typed: str, walk_rows: int, world: SimpleNamespace,
                                                                   make_task: Any, login: Any, settings: Any,
                                                                   monkeypatch: Any) -> None:
    """The section filter (章节) looked up as the search's words are (``filters.WORD_FILTERS``): walked in the plan
    order, each row's section title checked, or the tasks narrowed first through the keyword index (the search text
    holds the section title; a title in no task's text is none's) — the rows of the plain ``icontains``, in any case,
    a title that only the text outside the section holds not among them."""
    from django.db import connection

    from rectify.tasks import paging

    settings.LEDGER_PAGE_SIZE = 2
    settings.LEDGER_WALK_SEARCH_ROWS = walk_rows
    monkeypatch.setattr(paging, "WALKED_ROWS_PER_MATCH", 10**9)
    sections = [["一、水环境", "（一）黑臭水体 治理"], ["二、大气", "（二）PM2.5 治理"], ["三、生态"]]
    for n in range(14):
        make_task(seq=str(n + 1), section=sections[n % 3], title="水环境监测" if n % 3 == 2 else f"整改{n}",
                  problem="PM2.5 浓度" if n % 3 == 0 else "黑臭水体 治理")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task")
    user = getattr(world, who)
    ids = list(Task.objects.visible_to(user).filter(section_title__icontains=typed).order_by("plan_id", "id")
               .values_list("pk", flat=True))
    assert bool(ids) == (typed != "不存在的章节")
    client = login(user)
    last = max(-(-len(ids) // 2), 1)
    for page in sorted({1, (last + 1) // 2, last}):
        assert page_ids(client, {"section": typed}, page) == ids[(page - 1) * 2:page * 2], (typed, page)


@pytest.mark.parametrize("who", ["admin", "province_office"])
def test_a_search_within_a_units_tasks_checks_their_text_rather_than_the_index(who: str, world: SimpleNamespace, ledger: None,
                                                                               login: Any, settings: Any) -> None:
    """A search with a unit chosen: how its words are looked up is weighed against the unit's tasks (PostgreSQL's
    estimate), not the caller's whole scope (``views.page_words``): each of the unit's tasks' text checked, where the
    pair index's lists hold the whole country's (the administrator's 整改 within one unit: 100 ms at 300,000 tasks).
    The same search without the unit goes through the index. The rows are the plain query's either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.LEDGER_PAGE_SIZE = PAGE
    settings.LEDGER_WALK_SEARCH_ROWS = 0  # sorted, never walked: the lookup of the words shows in the statement
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task")
    user, unit = getattr(world, who), world.unit_county_env
    client = login(user)
    for query, indexed in (({"q": "扬尘", "unit": str(unit.pk)}, False), ({"q": "扬尘"}, who == "admin")):
        narrowed = Task.objects.visible_to(user).filter(task_search_q("扬尘"))
        if "unit" in query:
            narrowed = narrowed.filter(pk__in=unit.assignments.values("task_id"))
        ids = list(narrowed.order_by("plan_id", "id").values_list("pk", flat=True))
        assert len(ids) > PAGE
        with CaptureQueriesContext(connection) as ctx:
            assert page_ids(client, query, 1) == ids[:PAGE], query
        searched = [q["sql"] for q in ctx.captured_queries if '"search_text"' in q["sql"] and "LIMIT" in q["sql"]]
        assert searched, query
        if connection.vendor == "postgresql":
            assert any("rectify_text_grams" in sql for sql in searched) == indexed, (query, searched)


@pytest.mark.parametrize("walk_rows", [0, 10**9])
@pytest.mark.parametrize("ordering", ["deadline", "-deadline", "state", "-state", "-updated_at", "seq", "-seq"])
def test_a_search_in_a_chosen_order_walked_or_sorted_holds_the_plain_rows(ordering: str, walk_rows: int, world: SimpleNamespace,
                                                                          ledger: None, login: Any, settings: Any,
                                                                          monkeypatch: Any) -> None:
    """The administrator's search in an order chosen (整改时限, 状态, 更新时间, 序号, either way): its page found by
    walking a window of that order's index (``paging.window_order``; migration ``tasks 0023``) or by the sort — the
    rows of the plain query, ties broken by the id (``filters.LedgerOrdering``). Sorted, the
    administrator's 生态环境 by state read 230,000 matches: 1.4 s at 300,000 tasks."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rectify.tasks import paging

    settings.LEDGER_PAGE_SIZE = 2
    settings.LEDGER_WALK_SEARCH_ROWS = walk_rows
    monkeypatch.setattr(paging, "WALKED_ROWS_PER_MATCH", 10**9)
    base = timezone.now()
    for n, task in enumerate(Task.objects.order_by("id")):  # equal update times in pairs: ties broken by the id
        Task.objects.filter(pk=task.pk).update(updated_at=base - datetime.timedelta(minutes=n // 2))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task")
    field = ordering.lstrip("-")
    fields = ["plan_id", "seq_key"] if field == "seq" else [field]
    direction = "-" if ordering.startswith("-") else ""
    ids = list(Task.objects.filter(task_search_q("扬尘")).order_by(*[direction + f for f in fields], "id")
               .values_list("pk", flat=True))
    assert len(ids) > 4
    last = -(-len(ids) // 2)
    client = login(world.admin)
    walked = 0
    for page in sorted({1, (last + 1) // 2, last}):
        with CaptureQueriesContext(connection) as ctx:
            assert page_ids(client, {"q": "扬尘", "ordering": ordering}, page) == ids[(page - 1) * 2:page * 2], (ordering, page)
        walked += any(re.search(r'FROM \(SELECT .+ LIMIT \d+\) "tasks_task" WHERE', q["sql"]) for q in ctx.captured_queries)
    assert (walked > 0) == (connection.vendor == "postgresql" and walk_rows > 0)


@pytest.mark.parametrize(("query", "scoped"), [({"unit_name": "生态环境", "q": "扬尘"}, False), ({"region_name": "县"}, False),
                                               ({"state": TaskState.IN_PROGRESS, "q": "扬尘"}, True)])
def test_the_estimate_of_a_place_chosen_leaves_out_the_scope(query: dict[str, str], scoped: bool, world: SimpleNamespace,
                                                             ledger: None, rf: Any) -> None:
    """A province office's typed unit or region name: the tasks PostgreSQL is asked to estimate (``views.unsearched_tasks``,
    for the walk and the lookup of the words) are the place's of every province, not also its own scope's — the two
    conditions, taken for independent, multiplied their shares (its units named 生态环境 and 整改: 25 tasks expected of
    4,482 at 300,000, and their page sorted). A state is no place: the scope stays. The rows found are the page's own
    (``test_every_page_holds_the_plain_querys_rows``)."""
    from rectify.tasks.views import unsearched_tasks

    request = rf.get("/ledger/", query)
    request.user = world.province_office
    sql = str(unsearched_tasks(request).query)
    in_scope = re.search(r'"tasks_task"\."region_path"(::text)? LIKE ' + re.escape(world.province.path) + r"%(?!\d)", sql)
    assert bool(in_scope) == scoped, sql
    assert "search_text" not in sql, sql  # the words are estimated apart (``search_plans.expected_matches``)
