"""The product behind a real PgBouncer in transaction pooling (``RECTIFY_PGBOUNCER=1``).

A PgBouncer of our own is started from a temporary folder on a free loopback port (Debian's
``pgbouncer`` binary, never its system service), in front of the test database on the PostgreSQL the
suite uses, with ``pool_mode = transaction``. Django's ``default`` connection is then pointed at it,
with the settings ``rectify.settings._pooled`` derives for it, and what transaction pooling breaks is
exercised: pages through the test client (sessions, repeated identical queries, which prepared
statements would break), a write step (atomic, version-checked, recorded in the history chain), the
job queue's ``SKIP LOCKED`` claim from two connections, and server-side cursors — shown to fail behind
this bouncer without the setting (so the bouncer really pools per transaction) and to work with it.

Skipped with the reason when ``pgbouncer`` is not installed (``.ci/run`` installs it) or when the
suite runs on SQLite (run ``make test-postgres``).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse

from conftest import PASSWORD
from rectify.settings import _pooled

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PgBouncer 只代理 PostgreSQL：请用 make test-postgres 运行"),
    pytest.mark.django_db(transaction=True),
]


def pgbouncer_binary() -> str | None:
    """Debian installs it in /usr/sbin, which an ordinary user's PATH may lack."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Bouncer:
    """A running PgBouncer: its port, its log, and a plain psycopg connection through it."""

    def __init__(self, port: int, log: Path, server: dict[str, Any]) -> None:
        self.port, self.log, self.server = port, log, server

    def connect(self, dbname: str, **options: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(host="127.0.0.1", port=self.port, dbname=dbname, user=self.server["USER"] or "postgres",
                               connect_timeout=5, **options)

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


@pytest.fixture(scope="module")
def pgbouncer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bouncer]:
    binary = pgbouncer_binary()
    if binary is None:
        pytest.skip("没有找到 pgbouncer：请安装 Debian 的 pgbouncer（apt-get install pgbouncer；.ci/run 会自动安装）")
    server = dict(connection.settings_dict)
    folder = tmp_path_factory.mktemp("pgbouncer")
    folder.chmod(0o755)  # readable by the unprivileged user it runs as when we are root
    port = free_port()
    target = f"host={server['HOST'] or '127.0.0.1'} port={server['PORT'] or 5432} user={server['USER'] or 'postgres'}"
    if server.get("PASSWORD"):
        target += f" password={server['PASSWORD']}"
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = {target}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        # Server connections are reused last-in first-out (server_round_robin = 0, the default); the
        # cursor test below relies on it to hand a second client the connection a cursor was left on.
        "default_pool_size = 4\nmax_client_conn = 100\nserver_round_robin = 0\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        "query_wait_timeout = 30\nserver_login_retry = 1\n",
        encoding="utf-8",
    )
    ini.chmod(0o644)
    log = folder / "pgbouncer.log"
    command = [binary, str(ini)]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "nobody"]  # it refuses to run as root
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603 - our own binary and ini
    bouncer = Bouncer(port, log, server)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"pgbouncer exited with {process.returncode}:\n{bouncer.log_tail()}")
            try:
                bouncer.connect(server["NAME"]).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    pytest.fail(f"pgbouncer did not accept connections within 20 s:\n{bouncer.log_tail()}")
                time.sleep(0.1)
        yield bouncer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def point_at(port: int, extra: dict[str, Any]) -> None:
    """Point the ``default`` alias at ``port`` in place: every thread's connection reads this same dict."""
    for alias in connections:
        connections[alias].close()
    connections["default"].settings_dict.update({"HOST": "127.0.0.1", "PORT": port, **extra})


@pytest.fixture
def through_bouncer(transactional_db: Any, pgbouncer: Bouncer) -> Iterator[Bouncer]:
    """Django's connection through the bouncer, with the settings ``RECTIFY_PGBOUNCER=1`` gives."""
    settings_dict = connections["default"].settings_dict
    saved = dict(settings_dict)
    pooled = _pooled(dict(saved), {"RECTIFY_PGBOUNCER": "1"})
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True and pooled["CONN_MAX_AGE"] == 0
    point_at(pgbouncer.port, {k: pooled[k] for k in ("DISABLE_SERVER_SIDE_CURSORS", "CONN_MAX_AGE")})
    try:
        yield pgbouncer
    finally:
        for alias in connections:
            connections[alias].close()
        settings_dict.clear()
        settings_dict.update(saved)


def served_by_bouncer(bouncer: Bouncer) -> bool:
    """The connection in use was opened on the bouncer's port (libpq's own record of it)."""
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    return int(raw.info.port) == bouncer.port


def worker_once() -> None:
    call_command("worker", "--once", verbosity=0, stdout=StringIO())


def test_pages_sessions_and_a_background_export_through_the_bouncer(through_bouncer: Bouncer, world: Any, make_task: Any,
                                                                    client: Any, settings: Any) -> None:
    from rectify.jobs.models import ExportFile

    assert served_by_bouncer(through_bouncer)
    tasks = [make_task(problem=f"河道问题{i}") for i in range(3)]
    response = client.post(reverse("accounts:login"), {"username": world.city_office.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    # More than psycopg's prepare threshold (5) of the same queries: prepared statements would be lost
    # between transactions ("prepared statement … does not exist"); Django turns them off.
    for _ in range(8):
        page = client.get(reverse("tasks:ledger"))
        assert page.status_code == 200 and "河道问题2" in page.content.decode()
    detail = client.get(reverse("tasks:detail", args=[tasks[0].uuid]))
    assert detail.status_code == 200 and "河道问题0" in detail.content.decode()
    assert client.get(reverse("jobs:health")).json()["database"] == "ok"
    small = client.get(reverse("tasks:export"))
    assert small.status_code == 200 and small["Content-Type"].startswith("application/vnd.openxmlformats")
    # A large one: queued in the request, built by the worker (through the bouncer too), downloaded.
    settings.RECTIFY_EXPORT_BACKGROUND_ROWS = 2
    assert client.get(reverse("tasks:export")).status_code == 302
    worker_once()
    export = ExportFile.objects.get()
    assert export.status == ExportFile.Status.DONE and export.done == 3
    assert client.get(reverse("jobs:export_download", args=[export.uuid])).status_code == 200
    assert served_by_bouncer(through_bouncer)


def test_a_write_step_is_atomic_version_checked_and_recorded_through_the_bouncer(through_bouncer: Bouncer, world: Any,
                                                                                 make_task: Any, login: Any) -> None:
    from rectify.core.history import verify_chain
    from rectify.core.models import ChangeRecord
    from rectify.tasks.models import Task
    from rectify.tasks.states import TaskState

    task = make_task()
    before = ChangeRecord.objects.count()
    unit = login(world.county_unit)
    start = reverse("tasks:start", args=[task.uuid])
    assert unit.post(start, {"version": task.version}).status_code == 302
    fresh = Task.objects.get(pk=task.pk)
    assert fresh.state == TaskState.IN_PROGRESS and fresh.version == task.version + 1
    assert ChangeRecord.objects.count() > before
    written = ChangeRecord.objects.count()
    # The same step again from the page as it was: refused as stale, nothing written.
    stale = unit.post(start, {"version": task.version}, follow=True)
    assert "已被他人修改" in stale.content.decode()
    assert Task.objects.get(pk=task.pk).version == fresh.version and ChangeRecord.objects.count() == written
    # The chain reads every row with .iterator(): a server-side cursor without RECTIFY_PGBOUNCER.
    rows, problems = verify_chain()
    assert rows == written and problems == []
    assert served_by_bouncer(through_bouncer)


def test_two_workers_claim_different_jobs_through_the_bouncer(through_bouncer: Bouncer, monkeypatch: Any) -> None:
    from rectify.jobs import registry, services
    from rectify.jobs.models import Job

    monkeypatch.setattr(registry, "_jobs", {})
    monkeypatch.setattr(registry, "_periodic", {})
    registry.job("test.noop")(lambda: None)
    first, second = services.enqueue("test.noop"), services.enqueue("test.noop")
    other: dict[str, Any] = {}

    def claim_elsewhere() -> None:
        try:
            other["bouncer"] = served_by_bouncer(through_bouncer)
            job = services.claim("worker-b")
            other["pk"] = job.pk if job else None
        finally:
            connections.close_all()

    with transaction.atomic():
        mine = services.claim("worker-a")  # its row lock holds one server connection until this block ends
        assert mine is not None and mine.pk == first.pk
        thread = threading.Thread(target=claim_elsewhere)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), f"the second claimer waited on the first one's lock:\n{through_bouncer.log_tail()}"
    assert other == {"bouncer": True, "pk": second.pk}
    assert dict(Job.objects.values_list("pk", "locked_by")) == {first.pk: "worker-a", second.pk: "worker-b"}
    assert services.claim("worker-c") is None


def iterate_while_another_client_takes_the_server_connection(bouncer: Bouncer) -> list[str]:
    """Read regions one at a time with ``.iterator()``, and between the first row and the rest let
    another client open a transaction: the bouncer hands it the server connection used last — the one
    a server-side cursor would live on."""
    from rectify.regions.models import Region

    rows = Region.objects.order_by("code").values_list("code", flat=True).iterator(chunk_size=1)
    got = [next(rows)]
    with bouncer.connect(connection.settings_dict["NAME"]) as other:
        other.execute("SELECT 1")  # a transaction is open: the server connection stays with this client
        try:
            got.extend(rows)
        finally:
            other.rollback()
    return got


def test_server_side_cursors_are_off_behind_the_bouncer(through_bouncer: Bouncer, world: Any) -> None:
    from rectify.regions.models import Region

    codes = sorted(Region.objects.values_list("code", flat=True))
    assert len(codes) >= 3
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert iterate_while_another_client_takes_the_server_connection(through_bouncer) == codes


def test_without_the_setting_a_server_side_cursor_is_lost_behind_the_bouncer(through_bouncer: Bouncer, world: Any) -> None:
    """What RECTIFY_PGBOUNCER=1 prevents, shown on this bouncer (so it does pool per transaction)."""
    point_at(through_bouncer.port, {"DISABLE_SERVER_SIDE_CURSORS": False})
    # Django's ProgrammingError at the FETCH; psycopg's own InvalidCursorName when Django then closes the cursor.
    with pytest.raises((DatabaseError, psycopg.Error), match='cursor "_django_curs_.*" does not exist'):
        iterate_while_another_client_takes_the_server_connection(through_bouncer)
