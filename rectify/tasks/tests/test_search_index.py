"""The ledger's keyword search: the same results as a plain ``icontains`` on every database, and on
PostgreSQL through the character-pair index (``rectify.tasks.search``)."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rectify.core.params import caseless, search_q, search_terms
from rectify.tasks.models import Task
from rectify.tasks.search import INDEX_NAME

pytestmark = pytest.mark.django_db

PROBLEMS = [
    "污水处理厂出水超标",
    "城区生活污水直排河道",
    "工地扬尘管控不到位",
    "COD 排放浓度超标",
    "燃煤锅炉未淘汰，水体黑臭",
    "监测数据 100%_达标 存疑",
]
SEARCHES = [
    "污水", "水", "污水处理", "水处", "污水 河道", "河道 污水", "cod", "Cod 超标", "锅炉未淘汰", "炉，水",
    "100%", "%_达", "_", "臭\n监", "不存在的词", "排", "水 污水",
    # two letters: the pair index alone answers (exact_by_pair) — across a space, in any case, or not at all
    "co", "Co", "D排", "达标", "0%", "，水", "理厂", "厂出", "黑臭", "臭监",
]


def listed_seqs(response: Any) -> set[str]:
    return set(re.findall(r'<td class="seq">([^<]+)</td>', response.content.decode()))


def expected_seqs(text: str) -> set[str]:
    words = [w.upper() for w in search_terms(text)]
    return {t.seq for t in Task.objects.all() if all(w in t.search_text.upper() for w in words)}


@pytest.mark.parametrize("text", SEARCHES)
def test_search_finds_what_a_plain_scan_finds(world: Any, make_task: Any, login: Any, text: str) -> None:
    for i, problem in enumerate(PROBLEMS, 1):
        make_task(seq=f"S{i}", problem=problem, target="达标排放")
    client = login(world.admin)
    found = listed_seqs(client.get("/ledger/", {"q": text}))
    assert found == expected_seqs(text)
    plain = Task.objects.filter(search_q(text, "search_text"))  # the search before the index
    assert found == set(plain.values_list("seq", flat=True))


@pytest.mark.parametrize("text", SEARCHES)
def test_a_walked_search_finds_what_a_plain_scan_finds(world: Any, make_task: Any, login: Any, settings: Any,
                                                       monkeypatch: Any, text: str) -> None:
    """The page found by walking the plan order and checking each row's text (``paging.walk_window``, PostgreSQL; SQLite
    always scans): a ``caseless`` word by a plain ``LIKE``, a word with letters upper-cased on both sides."""
    from rectify.tasks import paging

    settings.LEDGER_WALK_SEARCH_ROWS = 10**9
    monkeypatch.setattr(paging, "WALKED_ROWS_PER_MATCH", 10**9)
    for i, problem in enumerate(PROBLEMS, 1):
        make_task(seq=f"S{i}", problem=problem, target="达标排放")
    assert listed_seqs(login(world.admin).get("/ledger/", {"q": text})) == expected_seqs(text)


def test_only_a_word_with_letters_of_a_case_is_upper_cased() -> None:
    """``UPPER(text) LIKE`` cost three times a plain ``LIKE`` on PostgreSQL: a word with no letter of a case (Chinese,
    digits, punctuation) is found as it is, one with such a letter upper-cased on both sides."""
    assert all(caseless(w) for w in ("污水", "100%", "，水", "2.5"))
    assert not any(caseless(w) for w in ("cod", "Co", "PM2.5", "ǰ", "ß", "Ⅻ号"))
    sql = str(Task.objects.filter(search_q("污水 Cod", "search_text")).query)
    if connection.vendor == "postgresql":
        assert re.search(r'(?<!UPPER\()"tasks_task"\."search_text"::text LIKE %污水%', sql), sql
        assert 'UPPER("tasks_task"."search_text"::text) LIKE UPPER(%Cod%)' in sql, sql


def test_a_unit_name_is_searchable(world: Any, make_task: Any, login: Any) -> None:
    make_task(seq="U1")
    name = world.unit_county_env.name
    assert listed_seqs(login(world.admin).get("/ledger/", {"q": name[-3:-1]})) == {"U1"}


def search_queries_of_the_ledger(client: Any, text: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/ledger/", {"q": text})
    assert response.status_code == 200
    queries = [q["sql"] for q in ctx.captured_queries if "rectify_text_grams" in q["sql"]]
    assert queries, "the ledger did not search through the index's expression"
    return queries


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index and its query plans exist on PostgreSQL only; SQLite scans with LIKE")
@pytest.mark.parametrize("text", ["污水", "污水 河道", "污水处理厂 COD"])
def test_the_ledger_search_uses_the_index(world: Any, make_task: Any, login: Any, text: str) -> None:
    for i, problem in enumerate(PROBLEMS, 1):
        template = make_task(seq=f"S{i}", problem=problem)
    # A ledger large enough that the planner weighs the indexes as it would at scale.
    Task.objects.bulk_create(
        Task(plan=template.plan, region=template.region, region_path=template.region_path, seq=f"F{i}", seq_key=f"F{i}",
             problem=f"其他事项{i}", search_text=f"F{i}\n其他事项{i}\n按期完成", state=template.state,
             deadline=datetime.date(2020, 1, 1) if i % 2 else template.deadline)  # half of them overdue
        for i in range(3000)
    )
    client = login(world.admin)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_task")
    for sql in search_queries_of_the_ledger(client, text):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: a scan would be cheaper
            cursor.execute("SET LOCAL enable_indexscan = off")  # nor a whole other index walked in its order (a scan too: the state index, after earlier tests left dead rows)
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        where = sql.split(" WHERE ", 1)[1]
        if any(column in where for column in ('"deadline"', '"needs_completion"', '"long_term"')):
            # the overdue / to-complete counts: the planner may prefer a narrower index, never a scan
            assert "Seq Scan" not in plan, plan
        else:  # the rows of the page, the total and the per-state counts
            assert INDEX_NAME in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm and the collation are PostgreSQL's")
def test_why_not_pg_trgm_a_two_character_like_has_no_trigram() -> None:
    """Under the databases' locale pg_trgm does index Chinese, but a two-character word gives no trigram
    to look up; the character-pair index exists for that word."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("SELECT cardinality(show_trgm('污水处理厂')), cardinality(rectify_word_grams('污水'))")
        trigrams, pairs = cursor.fetchone()
    assert trigrams == 6  # "  污", " 污水", "污水处", "水处理", "处理厂", "理厂 "
    assert pairs == 1


def test_a_one_character_word_is_a_plain_like(world: Any, make_task: Any, login: Any) -> None:
    make_task(seq="S1", problem="城区生活污水直排")
    with CaptureQueriesContext(connection) as ctx:
        assert listed_seqs(login(world.admin).get("/ledger/", {"q": "污"})) == {"S1"}
    assert not [q for q in ctx.captured_queries if "rectify_text_grams" in q["sql"]]


def test_task_search_goes_through_the_pair_lookup() -> None:
    from rectify.tasks.filters import task_search_q

    assert "search_text__gram_contains" in str(task_search_q("污水 河道"))
    assert Task.objects.filter(task_search_q("污水")).count() == 0


def python_pairs(text: str) -> set[str]:
    """The reference: every pair of adjacent characters, upper-cased, none holding whitespace."""
    upper = text.upper()
    return {upper[i:i + 2] for i in range(len(upper) - 1) if not any(ch.isspace() for ch in upper[i:i + 2])}


@pytest.mark.parametrize("text", [
    "", "污", "污水", "加强污水 处理\n设施建设", "Cod 超标 cod", "a  b\tc", "整改😀达标", "长期坚持 " * 200 + "收尾",
])
def test_the_pair_function_gives_every_pair_once(text: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the pair function and its index exist on PostgreSQL only (SQLite uses a plain LIKE)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rectify_text_grams(%s)", [text])
        (pairs,) = cursor.fetchone()
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == python_pairs(text)



@pytest.mark.parametrize("text", ["", "污", "污水 污", "Cod 超标 cod", "a  b\tc", "整改😀达标", "%_\\", "长期坚持 " * 200])
def test_the_character_function_gives_every_character_once(text: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the character function and its index exist on PostgreSQL only (SQLite uses a plain LIKE)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rectify_text_chars(%s)", [text])
        (chars,) = cursor.fetchone()
    assert chars == sorted(chars) and len(chars) == len(set(chars))
    assert set(chars) == {ch for ch in text.upper() if not ch.isspace()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index and its query plans exist on PostgreSQL only; SQLite scans with LIKE")
def test_a_one_character_word_is_read_from_the_character_index(world: Any, make_task: Any, login: Any) -> None:
    """A rare character across the whole ledger: the plain LIKE read every task (~700 ms at 300,000 for one in
    none); the page and the counts read the single-character index, and find what the LIKE finds."""
    for i, problem in enumerate(PROBLEMS, 1):
        make_task(seq=f"S{i}", problem=problem)
    client = login(world.admin)
    for char in ("锅", "%", "c", "鳄"):
        with CaptureQueriesContext(connection) as ctx:
            found = listed_seqs(client.get("/ledger/", {"q": char, "counts": "1"}))
        assert found == expected_seqs(char), char
        searched = [q["sql"] for q in ctx.captured_queries if '"search_text"' in q["sql"] and not q["sql"].startswith("EXPLAIN")]
        assert searched and all("rectify_text_chars" in sql and " LIKE " not in sql for sql in searched), searched
        for sql in searched:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "task_search_chars" in plan or "Index Only Scan" in plan, plan


def test_the_loop_function_returns_what_the_window_function_returned() -> None:
    """Migration 0011's PL/pgSQL function gives the very arrays (same pairs, same order) of 0010's, so an index
    built with either stays valid and every search finds the same tasks."""
    if connection.vendor != "postgresql":
        pytest.skip("the pair function exists on PostgreSQL only")
    import importlib

    before = importlib.import_module("rectify.tasks.migrations.0012_g3_search_grams_plpgsql").LINEAR
    texts = [*PROBLEMS, *SEARCHES, "", " ", "\n\t", "整改😀达标 ", "  前后 空白  ", "长期坚持 " * 50, "a\u3000b\u00a0c"]
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute(before.replace("rectify_text_grams(", "g3_old_text_grams(", 1))
        for text in texts:
            cursor.execute("SELECT rectify_text_grams(%s), g3_old_text_grams(%s)", [text, text])
            new, old = cursor.fetchone()
            assert new == old, text
        transaction.set_rollback(True)
