"""Reads of read-only pages on a replica (``rectify.core.db_router``), with two real database aliases.

The replica is a second database (a second SQLite file, or a second PostgreSQL database under
``make test-postgres``) filled with a copy of the primary, the way streaming replication would. A
change made on the primary afterwards is NOT on the replica: what a page shows then tells which
database served it, beside the queries each connection recorded."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rectify.core.backup import dump_database, load_database
from rectify.core.db_router import PRIMARY, REPLICA, reads_from_replica
from rectify.settings import _replica
from rectify.tasks.models import Task

pytestmark = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])


def _pg_admin(sql: str) -> None:
    import psycopg

    conf = connections[PRIMARY].settings_dict
    with psycopg.connect(host=conf["HOST"] or None, port=conf["PORT"] or None, user=conf["USER"] or None,
                         password=conf["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql)


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[None]:
    """Add the ``replica`` alias (as settings.py does from RECTIFY_REPLICA_DATABASE_URL) pointing at a
    database of its own. Module-scoped, so the alias exists before the test case lists its databases."""
    conf = dict(connections[PRIMARY].settings_dict)
    postgres = connections[PRIMARY].vendor == "postgresql"
    with django_db_blocker.unblock():
        if postgres:
            conf["NAME"] = f"{conf['NAME']}_replica"
            _pg_admin(f'DROP DATABASE IF EXISTS "{conf["NAME"]}"')
            _pg_admin(f'CREATE DATABASE "{conf["NAME"]}"')
        else:
            conf["NAME"] = str(tmp_path_factory.mktemp("replica") / "replica.sqlite3")
        connections.settings[REPLICA] = conf
        try:
            yield
        finally:
            connections[REPLICA].close()
            del connections[REPLICA]
            del connections.settings[REPLICA]
            if postgres:
                _pg_admin(f'DROP DATABASE IF EXISTS "{conf["NAME"]}"')


@pytest.fixture
def replica(replica_alias: None) -> None:
    assert REPLICA in connections.settings


def replicate(tmp_path: Path) -> None:
    dump = tmp_path / "copy.db"
    dump_database(dump, PRIMARY)
    load_database(dump, REPLICA)


def on_tasks(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "tasks_task" in q["sql"]]


def tables(ctx: CaptureQueriesContext) -> str:
    return " ".join(q["sql"] for q in ctx.captured_queries)


def test_settings_add_the_alias_only_when_configured() -> None:
    assert _replica({}) is None
    replica = _replica({"RECTIFY_REPLICA_DATABASE_URL": "postgres://reader@10.0.0.2:5432/rectify"})
    assert replica is not None and replica["HOST"] == "10.0.0.2" and replica["TEST"] == {"MIRROR": "default"}


def test_read_only_page_reads_from_the_replica(replica: None, world: Any, make_task: Any, login: Any, tmp_path: Path) -> None:
    task = make_task(problem="河道两岸生活垃圾堆放")
    office = login(world.city_office)
    replicate(tmp_path)
    # Changed on the primary after the copy: the replica still holds the old text.
    Task.objects.filter(pk=task.pk).update(problem="河道垃圾已清运的新表述")
    with CaptureQueriesContext(connections[PRIMARY]) as primary, CaptureQueriesContext(connections[REPLICA]) as rep:
        page = office.get(reverse("tasks:detail", args=[task.uuid]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "河道两岸生活垃圾堆放" in html and "河道垃圾已清运的新表述" not in html
    assert "tasks_task" in tables(rep) and "tasks_task" not in tables(primary)
    # The session is read on the primary (a replica a moment behind must not log anyone out).
    assert "django_session" in tables(primary) and "django_session" not in tables(rep)


def test_writes_and_posts_use_the_primary(replica: None, world: Any, make_task: Any, login: Any, tmp_path: Path) -> None:
    make_task()
    office = login(world.city_office)
    replicate(tmp_path)
    with CaptureQueriesContext(connections[PRIMARY]) as primary, CaptureQueriesContext(connections[REPLICA]) as rep:
        response = office.post(reverse("tasks:save_filter"), {"name": "我的筛选", "query": "state=in_progress"})
    assert response.status_code in {200, 302}
    assert rep.captured_queries == [] and primary.captured_queries


def test_reads_after_a_write_or_inside_a_transaction_use_the_primary(replica: None, world: Any, make_task: Any,
                                                                      tmp_path: Path) -> None:
    task = make_task()
    replicate(tmp_path)
    token = reads_from_replica("GET")
    try:
        with CaptureQueriesContext(connections[REPLICA]) as rep:
            assert Task.objects.filter(pk=task.pk).exists()
        assert len(rep.captured_queries) == 1
        with CaptureQueriesContext(connections[PRIMARY]) as primary, CaptureQueriesContext(connections[REPLICA]) as rep:
            with transaction.atomic():
                Task.objects.select_for_update().get(pk=task.pk)
            assert rep.captured_queries == [] and len(on_tasks(primary)) == 1
        with CaptureQueriesContext(connections[PRIMARY]) as primary, CaptureQueriesContext(connections[REPLICA]) as rep:
            Task.objects.filter(pk=task.pk).update(problem="新问题")
            assert Task.objects.get(pk=task.pk).problem == "新问题"  # would be the old text on the replica
        assert rep.captured_queries == [] and len(on_tasks(primary)) == 2
    finally:
        from rectify.core.db_router import _request_state

        _request_state.reset(token)
    # Outside a request (worker, console commands) everything is on the primary.
    with CaptureQueriesContext(connections[REPLICA]) as rep:
        Task.objects.count()
    assert rep.captured_queries == []
