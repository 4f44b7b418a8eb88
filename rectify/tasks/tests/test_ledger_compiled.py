"""The statement of a ledger page's rows is compiled once per key (``tasks.views.ledger_rows_key``,
``core.paginator.compiled_rows``): the key must cover everything the statement is built from. Checked the
direct way: for many requests (every role, pages, page parameters, a second account with the same grants, a
grant added), each statement the view would compile afresh is the one kept under the request's key, and the
page's rows are the rows the query set reads."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import QuerySet
from django.test import Client

from conftest import PASSWORD
from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.accounts.scope import task_scope_key
from rectify.core import paginator
from rectify.regions.models import Region
from rectify.tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(world: Any, make_task: Any, settings: Any) -> None:
    settings.LEDGER_PAGE_SIZE = 4
    for i in range(9):
        make_task(region=world.county)
        make_task(region=world.city if i % 2 else world.county2)
        make_task(region=world.other_city, plan=world.other_plan, units={"lead": [world.unit_other_env]})


@pytest.fixture
def compiled(monkeypatch: Any) -> Iterator[list[tuple[tuple[Any, ...], tuple[str, tuple[Any, ...]], list[int]]]]:
    """Each page's key, its statement compiled afresh from the query set and the rows the query set reads."""
    seen: list[tuple[tuple[Any, ...], tuple[str, tuple[Any, ...]], list[int]]] = []
    kept = paginator.compiled_rows

    def recorded(queryset: QuerySet[Any], key: tuple[Any, ...]) -> list[Any]:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        rows = kept(queryset, key)
        seen.append((key, (sql, tuple(params)), [row.pk for row in queryset]))
        assert [row.pk for row in rows] == seen[-1][2]
        return rows

    monkeypatch.setattr(paginator, "compiled_rows", recorded)
    paginator._COMPILED.clear()
    yield seen
    paginator._COMPILED.clear()


def pages_of(user: User, *queries: str) -> list[str]:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    shown = []
    for query in queries:
        response = client.get(f"/ledger/{query}")
        assert response.status_code == 200
        shown.append(",".join(str(t.pk) for t in response.context["page"].object_list))
    return shown


QUERIES = ("", "?page=1", "?page=2", "?page=3", "?page=99", "?counts=1", "?page=2&counts=1")


def test_the_key_covers_every_input_of_the_statement(world: Any, many: None, compiled: list[Any]) -> None:
    twin = User.objects.create_user(username="twin_office", password=PASSWORD)
    RoleGrant.objects.create(user=twin, role=Role.OFFICE, region=world.city)  # the city office's grants
    users = [world.admin, world.province_office, world.city_office, world.leader, world.lead_unit, world.county_unit,
             world.other_unit, twin]
    shown = {user.username: pages_of(user, *QUERIES) for user in users}
    scopes = {task_scope_key(User.objects.get(pk=user.pk)) for user in users}
    assert shown["twin_office"] == shown["city_office"]
    RoleGrant.objects.create(user=world.county_unit, role=Role.OFFICE, region=Region.objects.get(pk=world.other_city.pk))
    widened = User.objects.get(pk=world.county_unit.pk)
    assert pages_of(widened, *QUERIES) != shown["county_unit"]  # its grants read afresh: a new key
    statements: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}
    for key, statement, _ in compiled:
        assert statements.setdefault(key, statement) == statement, key
    assert len(statements) > len(users) * 3
    kept = {key[1:]: statement for key, statement in paginator._COMPILED.items()}  # the database's alias first
    assert {key: kept[key] for key in statements} == statements
    # one statement per scope, pages and order: the twin and the leader share the city office's (the same regions)
    assert {key[1] for key in statements} == {*scopes, task_scope_key(widened)}
    assert len(scopes) == len(users) - 2
    assert task_scope_key(twin) == task_scope_key(world.city_office) == task_scope_key(world.leader)


def without_token(html: bytes) -> bytes:
    return re.sub(rb'(csrf[-_a-z]*"? (?:value|content)=")[^"]+"', rb"\1", html)


def test_a_page_read_from_the_kept_statement_shows_what_the_query_set_shows(world: Any, many: None, login: Any) -> None:
    paginator._COMPILED.clear()
    for user in (world.admin, world.city_office, world.county_unit):
        client = login(user)
        first = client.get("/ledger/?page=2")
        again = client.get("/ledger/?page=2")
        assert without_token(first.content) == without_token(again.content)
        rows = list(first.context["page"].object_list)
        fresh = {t.pk: t for t in Task.objects.filter(pk__in=[t.pk for t in rows])}
        for row in rows:
            assert row.get_deferred_fields() == {f.attname for f in Task._meta.concrete_fields} - {
                "id", "uuid", "created_at", "plan_id", "region_id", "seq", "title", "problem", "target", "section_title",
                "priority", "needs_completion", "incomplete_reason", "deadline", "long_term", "state"}
            for name in ("uuid", "created_at", "deadline", "long_term", "needs_completion", "state", "title"):
                assert getattr(row, name) == getattr(fresh[row.pk], name)
    assert paginator._COMPILED


def test_a_filtered_page_is_compiled_as_before(world: Any, many: None, compiled: list[Any]) -> None:
    pages_of(world.city_office, "?state=assigned", "?q=垃圾", "?ordering=deadline&page=2")
    assert compiled == []


def test_a_key_that_misses_an_input_is_caught_by_the_suite(world: Any, many: None) -> None:
    """The suite compiles every kept statement again (``settings.RECTIFY_VERIFY_KEPT``): two query sets kept under
    one key are refused."""
    paginator._COMPILED.clear()
    rows = Task.objects.only("uuid").order_by("id")
    paginator.compiled_rows(rows.filter(region_path__startswith=world.city.path), ("a key", 0, 4))
    with pytest.raises(AssertionError, match="differs from a fresh one"):
        paginator.compiled_rows(rows.filter(region_path__startswith=world.other_city.path), ("a key", 0, 4))
    paginator._COMPILED.clear()
