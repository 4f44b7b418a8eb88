"""How a search reads its matches (``rectify.tasks.search_plans``): every path finds what a plain scan finds; the
counts of a search over a large scope read a limited number of matches, exact under the limit, "more than" above
it; on PostgreSQL the pair function is never computed row by row, statements are planned without parallel workers,
and a common word of several characters is expected as common (the administrator's page is walked)."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rectify.core.params import search_terms
from rectify.tasks import search_plans
from rectify.tasks.models import Assignment, Task

pytestmark = pytest.mark.django_db

PROBLEMS = ["城区生活污水直排河道", "污水处理厂出水超标", "燃煤锅炉未淘汰，水体黑臭", "生态环境保护督察整改", "工地扬尘管控不到位"]
SEARCHES = ["污水", "水", "污水处理", "黑臭 水体", "生态环境", "不存在的词", "扬尘管控"]
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the pair index and the planner's estimates are PostgreSQL's")


def through_an_index(sql: str) -> bool:
    return "rectify_text_grams" in sql or "rectify_text_chars" in sql


def seqs(html: str) -> set[str]:
    return set(re.findall(r'<td class="seq">([^<]+)</td>', html))


def counts_section(html: str) -> str:
    found = re.search(r'<section class="counts".*?</section>', html, re.S)
    assert found, "no counts section"
    return found.group(0)


@pytest.fixture
def texts(world: SimpleNamespace, make_task: Any) -> SimpleNamespace:
    """Each problem in the county (the city office's scope) and in the other city (outside it)."""
    for i, problem in enumerate(PROBLEMS, 1):
        make_task(seq=f"C{i}", problem=problem)
        make_task(seq=f"O{i}", problem=problem, region=world.other_city, plan=world.other_plan,
                  units={Assignment.Role.LEAD: [world.unit_other_env]})
    return world


@pytest.mark.parametrize("scan_rows", [0, 10**6])  # 0: through the index (above the small scope); 10**6: scanned
@pytest.mark.parametrize("text", SEARCHES)
def test_every_path_finds_what_a_plain_scan_finds(texts: SimpleNamespace, login: Any, settings: Any, text: str, scan_rows: int) -> None:
    settings.LEDGER_SEARCH_SCAN_ROWS = scan_rows
    words = [w.upper() for w in search_terms(text)]
    visible = Task.objects.visible_to(texts.city_office)
    expected = {t.seq for t in visible if all(w in t.search_text.upper() for w in words)}
    client = login(texts.city_office)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/ledger/", {"q": text}).content.decode()
    assert seqs(page) == expected
    assert f'id="count-all">{len(expected)}<' in page
    if connection.vendor == "postgresql" and expected:  # no match: no rows read
        rows = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"] and '"search_text"' in q["sql"]]
        assert rows and all(through_an_index(sql) == (scan_rows == 0) for sql in rows), rows


@pytest.mark.parametrize("scan_rows", [0, 10**6])
@pytest.mark.parametrize("text", ["污水", "生态环境", "黑臭 水体", "臭"])
def test_the_api_and_the_export_search_as_the_page_does(texts: SimpleNamespace, login: Any, settings: Any, text: str,
                                                         scan_rows: int) -> None:
    settings.LEDGER_SEARCH_SCAN_ROWS = scan_rows
    words = [w.upper() for w in search_terms(text)]
    expected = {t.seq for t in Task.objects.visible_to(texts.city_office) if all(w in t.search_text.upper() for w in words)}
    client = login(texts.city_office)
    with CaptureQueriesContext(connection) as ctx:
        listed = client.get("/api/v1/tasks", {"q": text}).json()["items"]
    assert {t["seq"] for t in listed} == expected
    if connection.vendor == "postgresql":
        searched = [q["sql"] for q in ctx.captured_queries if '"search_text"' in q["sql"] and "LIMIT" in q["sql"]]
        assert searched and all(through_an_index(sql) == (scan_rows == 0) for sql in searched), searched
    exported = client.get("/ledger/export.xlsx", {"q": text})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(exported.content), read_only=True).worksheets[0]
    cells = {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None}
    assert all(f"C{i}" not in cells or f"C{i}" in expected for i in range(1, 6))
    assert expected <= cells


@pytest.mark.parametrize("scan_cost", [0, 10**9])  # 0: the limited read scans the table; 10**9: through the index
def test_a_large_scopes_search_counts_up_to_the_limit(many: SimpleNamespace, login: Any, settings: Any, monkeypatch: Any,
                                                      scan_cost: int) -> None:
    monkeypatch.setattr(search_plans, "SCAN_ROW_COST_IN_ENTRIES", scan_cost)
    settings.LEDGER_COUNT_LATER_ROWS = 10  # the city's 17 tasks are "many"
    client = login(many.city_office)
    settings.LEDGER_SEARCH_COUNT_LIMIT = 10**6
    exact = counts_section(client.get("/ledger/counts/", {"q": "河道"}).content.decode())
    settings.LEDGER_SEARCH_COUNT_LIMIT = 15  # as many as there are: still exact, the same figures
    assert counts_section(client.get("/ledger/counts/", {"q": "河道"}).content.decode()) == exact
    assert 'id="count-all">15<' in exact and "<b>逾期</b><span class=\"num\">3</span>" in exact
    settings.LEDGER_SEARCH_COUNT_LIMIT = 14  # one fewer: none counted
    limited = counts_section(client.get("/ledger/counts/", {"q": "河道"}).content.decode())
    assert 'id="count-all">14+<' in limited and "匹配的任务超过 14 项" in limited
    figures = re.findall(r'<span class="num">([^<]*)</span>', limited)
    assert figures and set(figures) == {"—"}
    # Counted in the page (no JavaScript), the page cannot say how many pages there are either: one on or back.
    page = client.get("/ledger/", {"q": "河道", "counts": "1"}).content.decode()
    assert 'id="count-all">14+<' in page and "第 1 页（任务数见上方“全部”）" in page and 'rel="next"' in page
    assert client.get("/ledger/", {"q": "扬尘", "counts": "1"}).content.decode().count('id="count-all">1<') == 1


def test_the_limited_counts_are_the_callers_own(many: SimpleNamespace, make_task: Any, login: Any, settings: Any) -> None:
    for i in range(2):
        make_task(seq=f"T{i}", problem="河道整治", region=many.other_city, plan=many.other_plan,
                  units={Assignment.Role.LEAD: [many.unit_other_env]})
    settings.LEDGER_SEARCH_COUNT_LIMIT = 100
    settings.LEDGER_COUNT_LATER_ROWS = 0
    assert 'id="count-all">15<' in login(many.city_office).get("/ledger/counts/", {"q": "河道"}).content.decode()
    assert 'id="count-all">17<' in login(many.province_office).get("/ledger/counts/", {"q": "河道"}).content.decode()
    settings.LEDGER_SEARCH_COUNT_LIMIT = 16
    assert 'id="count-all">15<' in login(many.city_office).get("/ledger/counts/", {"q": "河道"}).content.decode()
    assert 'id="count-all">16+<' in login(many.province_office).get("/ledger/counts/", {"q": "河道"}).content.decode()


@postgres_only
def test_the_pair_function_is_costly_to_the_planner(world: SimpleNamespace, make_task: Any) -> None:
    """With the default cost (100 × cpu_operator_cost, 0.25 a row), PostgreSQL read a few rows of a common word by
    computing every row's pairs (775 ms for 2,001 rows of 300,000 tasks); declared at ~170 µs a call, a scan that
    computes them is priced as such, and the index is read instead."""
    for i in range(40):
        make_task(seq=f"P{i}", problem="整改落实不到位" if i % 2 else f"扬尘问题{i}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_task")
        cursor.execute("SELECT procost FROM pg_proc WHERE proname = 'rectify_text_grams'")
        assert cursor.fetchone()[0] >= 1000
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT state FROM tasks_task WHERE rectify_text_grams(search_text) @> rectify_word_grams('整改')")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    scan = plan[0]["Plan"]
    assert scan["Node Type"] == "Seq Scan"
    assert scan["Total Cost"] / 40 > 10, scan  # per row read: the function's cost, not the default's 0.25


@postgres_only
def test_statements_are_planned_without_parallel_workers() -> None:
    """settings.RECTIFY_PG_PARALLEL_WORKERS (0 unless set): each connection's own setting."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


@postgres_only
def test_a_common_word_of_several_characters_is_expected_common(world: SimpleNamespace, make_task: Any, login: Any,
                                                                settings: Any) -> None:
    """The administrator's page of 生态环境 (in 4 of 5 tasks): PostgreSQL guessed a ``LIKE`` of four characters held by a
    handful of tasks and sorted every match; from the pairs' own frequencies it expects most of them, and the page
    is found by walking the plan order (``paging.walk_window``), the same rows."""
    settings.LEDGER_PAGE_SIZE = 5
    settings.LEDGER_WALK_SEARCH_ROWS = 50  # the walk to page 1's end: 5 rows × 120 tasks / the matches expected
    for i in range(120):
        make_task(seq=str(i + 1), problem="生态环境问题整改" if i % 5 else f"噪声扰民{i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_task")
    ids = list(Task.objects.filter(search_text__icontains="生态环境").order_by("plan_id", "id").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        response = login(world.admin).get("/ledger/", {"q": "生态环境"})
    assert [t.pk for t in response.context["page"].object_list] == ids[:5]
    rows = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"] and '"search_text"' in q["sql"] and "LIMIT" in q["sql"]]
    assert rows and all("rectify_text_grams" not in sql for sql in rows), rows  # walked: each row's text checked
    with connection.cursor() as cursor:  # what the LIKE alone would have let PostgreSQL expect: too few to walk
        cursor.execute("EXPLAIN SELECT 1 FROM tasks_task WHERE rectify_text_grams(search_text) @> rectify_word_grams('生态环境')"
                       " AND UPPER(search_text) LIKE '%生态环境%'")
        guessed = int(re.search(r"rows=(\d+)", cursor.fetchone()[0]).group(1))
    assert 5 * 120 / guessed > settings.LEDGER_WALK_SEARCH_ROWS, guessed


@postgres_only
def test_a_words_share_is_its_rarest_pairs(world: SimpleNamespace, make_task: Any) -> None:
    """黑臭水体 in 10 of 40 tasks, 扬尘 in the other 30: its three pairs lie together, so its share is theirs (¼), where
    PostgreSQL, multiplying them, expects a handful; a word held by no task is taken at most ``UNCOMMON_ELEMENT_SHARE``;
    two words multiply; a one-character word's share is its character's."""
    for i in range(40):
        make_task(seq=str(i + 1), problem="城区黑臭水体整治" if i % 4 == 0 else "工地扬尘管控")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_task")
        cursor.execute("EXPLAIN SELECT 1 FROM tasks_task WHERE rectify_text_grams(search_text) @> rectify_word_grams('黑臭水体')")
        multiplied = int(re.search(r"rows=(\d+)", cursor.fetchone()[0]).group(1))
    assert multiplied <= 2
    assert search_plans.word_share("黑臭水体") == pytest.approx(0.25)
    assert search_plans.expected_matches("黑臭水体", Task.objects.all()) == 10
    assert search_plans.word_share("鳄鱼") <= search_plans.UNCOMMON_ELEMENT_SHARE
    assert search_plans.word_share("黑臭 扬尘") == pytest.approx(0.25 * 0.75)
    assert search_plans.word_share("尘") == pytest.approx(0.75)


@postgres_only
def test_the_statistics_are_read_once_while_kept(world: SimpleNamespace, make_task: Any, settings: Any) -> None:
    """Read from ``pg_stats`` once per ``RECTIFY_SEARCH_STATISTICS_SECONDS`` per process (0, as the tests run: each use)."""
    make_task(problem="工地扬尘管控")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_task")
    for seconds, reads in ((0, 2), (300, 0)):
        settings.RECTIFY_SEARCH_STATISTICS_SECONDS = 0
        search_plans.keyword_statistics()  # read and kept
        settings.RECTIFY_SEARCH_STATISTICS_SECONDS = seconds
        with CaptureQueriesContext(connection) as ctx:
            search_plans.word_share("扬尘")
            search_plans.word_share("扬尘")
        assert sum("pg_stats" in q["sql"] for q in ctx.captured_queries) == reads


def test_no_share_without_statistics(world: SimpleNamespace) -> None:
    """SQLite has no keyword index; a table never analysed has no statistics: no share (PostgreSQL's own estimate)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'task_search_grams'")
            if cursor.fetchone()[0]:
                pytest.skip("an earlier test analysed the table in this database")
    assert search_plans.word_share("扬尘") is None
