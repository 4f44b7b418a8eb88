"""Shared fixtures: a small real region tree, units, one user per role, a plan with tasks."""
from __future__ import annotations

import contextlib
import datetime
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread
from hypothesis import settings as hypothesis_settings

PASSWORD = "Rectify-test-2026"

# Property tests judge results, not speed: Hypothesis's 200 ms deadline per example failed a pure function
# on a loaded CI machine (two suites and a data generation on two cores).
hypothesis_settings.register_profile("rectify", deadline=None)
hypothesis_settings.load_profile("rectify")


class _SerialWSGIServer(WSGIServer):
    """The browser tests' server answers one request at a time (each with Connection: close): on SQLite its
    threads share the test database's one in-memory connection, and a page's part loaded after it (the
    待我处理 panel) fetched while the next page loaded left the suite waiting on that connection."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # the server thread itself holds connections_override


setattr(LiveServerThread, "server_class", _SerialWSGIServer)  # noqa: B010 - Django types it as the threaded server

@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    """Full-strength PBKDF2 costs about a second per test user; tests check logic, not hashing cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_slow_query_log(settings: Any) -> None:
    """A busy test machine would log slow statements into tests that count log lines; the slow-query
    tests turn it back on."""
    settings.RECTIFY_SLOW_QUERY_MS = 0


@pytest.fixture(autouse=True)
def verify_kept_statements(settings: Any) -> None:
    """Every kept statement (``settings.RECTIFY_VERIFY_KEPT``) is built again and compared on each use; the keyword
    indexes' statistics are read on each use (tests analyse tables of their own)."""
    settings.RECTIFY_VERIFY_KEPT = True
    settings.RECTIFY_SEARCH_STATISTICS_SECONDS = 0


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    from rectify.accounts.models import RoleGrant, User
    from rectify.accounts.roles import Role
    from rectify.inspections.models import Inspection, Plan
    from rectify.regions.models import Region, Unit

    def region(code: str, name: str, level: str, parent: Region | None) -> Region:
        return Region.objects.create(code=code, name=name, level=level, parent=parent, path=f"{parent.path if parent else ''}{code}/")

    w = SimpleNamespace()
    w.province = region("140000", "山西省", "province", None)
    w.city = region("140500", "晋城市", "city", w.province)
    w.county = region("140502", "城区", "county", w.city)
    w.county2 = region("140525", "泽州县", "county", w.city)
    w.other_city = region("140100", "太原市", "city", w.province)

    w.unit_province_office = Unit.objects.create(name="省生态环境保护督察整改办", kind="office", region=w.province)
    w.unit_city_office = Unit.objects.create(name="市整改办", kind="office", region=w.city)
    w.unit_city_env = Unit.objects.create(name="市生态环境局", region=w.city, aliases=["晋城市生态环境局"])
    w.unit_county_env = Unit.objects.create(name="区生态环境分局", region=w.county)
    w.unit_county_gov = Unit.objects.create(name="城区人民政府", kind="government", region=w.county)
    w.unit_county2_gov = Unit.objects.create(name="泽州县人民政府", kind="government", region=w.county2)
    w.unit_other_env = Unit.objects.create(name="太原市生态环境局", region=w.other_city)

    def user(username: str, role: str | None, *, region: Region | None = None, unit: Unit | None = None, **extra: Any) -> User:
        u = User.objects.create_user(username=username, password=PASSWORD, unit=unit, **extra)
        if role:
            RoleGrant.objects.create(user=u, role=role, region=region, unit=unit if role in {Role.LEAD_UNIT, Role.RESPONSIBLE_UNIT} else None)
        return u

    w.admin = user("admin", Role.ADMIN, is_staff=True)
    w.province_office = user("province_office", Role.OFFICE, region=w.province, unit=w.unit_province_office)
    w.city_office = user("city_office", Role.OFFICE, region=w.city, unit=w.unit_city_office)
    w.leader = user("leader", Role.LEADER, region=w.city)
    w.reviewer = user("reviewer", Role.REVIEWER, region=w.city)
    w.lead_unit = user("lead_unit", Role.LEAD_UNIT, unit=w.unit_city_env)
    w.county_unit = user("county_unit", Role.RESPONSIBLE_UNIT, unit=w.unit_county_env)
    w.other_unit = user("other_unit", Role.RESPONSIBLE_UNIT, unit=w.unit_other_env)
    w.nobody = user("nobody", None)

    w.inspection = Inspection.objects.create(
        team="省第三生态环境保护督察组", level="provincial", round=3, target_region=w.city,
        stationed_from=datetime.date(2023, 10, 17), stationed_to=datetime.date(2023, 11, 16), feedback_date=datetime.date(2024, 3, 5),
    )
    w.plan = Plan.objects.create(inspection=w.inspection, region=w.city, title="晋城市整改方案")
    w.other_plan = Plan.objects.create(region=w.other_city, title="太原市整改方案")
    return w


@pytest.fixture
def make_task(world: SimpleNamespace) -> Callable[..., Any]:
    from rectify.tasks.models import Assignment
    from rectify.tasks.services import TaskData, create_task

    counter = {"n": 0}

    def make(**kw: Any) -> Any:
        counter["n"] += 1
        units = kw.pop("units", None)
        if units is None:
            units = {Assignment.Role.LEAD: [world.unit_city_env], Assignment.Role.RESPONSIBLE: [world.unit_county_env]}
        data = TaskData(
            plan=kw.pop("plan", world.plan), region=kw.pop("region", world.county), seq=kw.pop("seq", str(counter["n"])),
            problem=kw.pop("problem", f"测试问题{counter['n']}：河道两岸存在生活垃圾堆放"), target=kw.pop("target", "垃圾全部清理，建立长效机制"),
            measures=kw.pop("measures", ["开展排查", "建立台账"]), deadline=kw.pop("deadline", datetime.date(2030, 12, 31)),
            units=units, **kw,
        )
        return create_task(data, reason="测试数据")

    return make


@pytest.fixture
def login() -> Callable[[Any], Client]:
    def client_for(user: Any) -> Client:
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return client_for


def png_bytes() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def pdf_bytes() -> bytes:
    """A minimal real PDF."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def migrate_to_latest() -> None:
    """Every app's last migration: where a test that migrated back (a data migration's test) leaves the suite's
    database. Migrating one app back also takes back the other apps' migrations that depend on it."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# A morning of a working day well inside the holiday calendar's years. The whole run (collection too) starts
# on it and ticks on (``pytest_configure``), so no test reads the date of the machine: a run crossing midnight
# in China (16:00 UTC) once made data on one day and asked the pages on the next, and a test could pass or
# fail by the month, the year or the holiday it ran on. RECTIFY_TEST_CLOCK moves the start, e.g.
# "2026-12-31T23:59:50+08:00" (the run crosses the year); "real" keeps the machine's clock.
FIXED_NOW = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def suite_clock() -> datetime.datetime | None:
    raw = os.environ.get("RECTIFY_TEST_CLOCK", "").strip()
    if not raw:
        return FIXED_NOW
    if raw == "real":
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(f"RECTIFY_TEST_CLOCK={raw}：请写成带时区的时刻，如 2026-12-31T23:59:50+08:00，或 real")
    return moment


_SUITE_CLOCK = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    moment = suite_clock()
    if moment is not None:
        import time_machine

        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config.stash[_SUITE_CLOCK] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_SUITE_CLOCK, None)
    if traveller is not None:
        traveller.stop()


@pytest.fixture
def counter_shard() -> Iterator[Callable[[int], None]]:
    """Choose the counters' shard this connection writes on PostgreSQL (else its process id decides,
    ``core.counters.PG_SHARD``; SQLite's is always 0); back to the process id after the test."""
    from django.db import connection

    def choose(shard: int) -> None:
        if connection.vendor != "postgresql":
            return  # SQLite's triggers write shard 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('rectify.counter_shard', %s, false)", [str(shard)])

    yield choose
    if connection.vendor == "postgresql" and connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("RESET rectify.counter_shard")


@pytest.fixture
def fixed_clock() -> Any:
    """FIXED_NOW for a module whose expectations are written for that day, whatever RECTIFY_TEST_CLOCK says."""
    import time_machine

    with time_machine.travel(FIXED_NOW, tick=True):
        yield FIXED_NOW


@contextlib.contextmanager
def travel_with_fresh_passwords(moment: datetime.datetime) -> Iterator[Any]:
    """``time_machine.travel(moment, tick=False)`` for a test whose accounts were made before, on the suite's
    clock: their passwords are renewed at ``moment``, else a login more than 90 days later is sent to change
    the password (the test passed only while the machine's date was near ``moment``)."""
    import time_machine
    from django.utils import timezone

    from rectify.accounts.models import User

    with time_machine.travel(moment, tick=False) as traveller:
        User.objects.update(password_changed_at=timezone.now())
        yield traveller


def plan_with_only(table: str, keep: tuple[str, ...], sql: str, params: Any, *, no_bitmap: bool = False) -> str:
    """PostgreSQL's plan of ``sql`` with only the ``keep`` indexes of ``table`` (and its primary and unique keys) left
    and no sequential scan, in the test's transaction: what an index can give, whatever the statistics other tests
    left (``ANALYZE`` is not rolled back) make of a test table's few rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname <> ALL(%s)"
                       " AND indexname NOT LIKE '%%_pkey' AND indexname NOT LIKE '%%_uuid_key'", [table, list(keep)])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        if no_bitmap:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
