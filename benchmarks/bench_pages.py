#!/usr/bin/env python
"""Pages as each role meets them, on SQLite and PostgreSQL in one run, against floors taken in the same run.

    make bench                                   # SQLite (temporary folder) and, if DATABASE_URL is set, PostgreSQL
    BENCH_TASKS=30000 BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/bench make bench

For each role (administrator, province / city / county office, unit, leader, public) and page
(ledger page 1 and 50, the 待我处理 panel the ledger loads after itself, the common filter — open tasks past their deadline —, a search and its counts (in the page, or loaded after it over a large scope), a task
detail, the reporting round page, the first page after login, the supervision list, the dispatch
home, the API's task, task assignment, supervision notice and round report lists, the user's notifications (page 1
and 50, and the API's), the administrator's security logs): median and p95
server time through the Django test client, query count, response size, and the ratio to two
floors: a bare Django view behind the same middleware and login, and the raw SQL of the page's
rows (the SQL Django sends for them, run on a cursor).

The data is made by ``rectify generate`` (an empty database is filled; a database already filled
by it with the same number of tasks is reused, so a large PostgreSQL set is made once). With
BENCH_REUSE=1 the database is measured as it is, whatever its size (one filled beforehand by
``rectify generate``, which takes long at 300,000 tasks):

    DATABASE_URL=postgres://…/big rectify generate --tasks 300000 --reports-per-task 10
    BENCH_REUSE=1 BENCH_ENGINES=postgres BENCH_PG_URL=postgres://…/big python benchmarks/bench_pages.py

Environment: BENCH_TASKS (default 3000), BENCH_REPORTS (reports per task, default 3), BENCH_REPEAT
(runs per measure, default 15), BENCH_PG_URL (default: DATABASE_URL; no PostgreSQL run without either),
BENCH_ENGINES (default "sqlite,postgres"), BENCH_SQLITE_TASKS (default: BENCH_TASKS, at most 30000),
BENCH_REUSE (1: measure the database as it is — no generation, no migration: refused when its migrations are behind the code), BENCH_OUT (folder of the JSON figures),
BENCH_SQLITE_DIR (reuse a SQLite data folder instead of a temporary one). The per-engine runner is
``benchmarks/_engines.py``, shared with bench_export.py.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from _engines import ensure_generated, env_int, run_per_engine, run_script, sample, start_django

ROLES = [("administrator", "admin"), ("province office", "sheng_zgb"), ("city office", "shi_zgb"),
         ("county office", "xian_zgb"), ("unit", "zeren"), ("leader", "lingdao"), ("public", None)]


# ---------------------------------------------------------------- the parent: one child process per engine

def main() -> int:
    tasks = env_int("BENCH_TASKS", 3000)
    return run_per_engine(__file__, sqlite_prefix="rectify-bench-", extra_env={
        "postgres": {"BENCH_CHILD_TASKS": str(tasks)},
        "sqlite": {"BENCH_CHILD_TASKS": str(env_int("BENCH_SQLITE_TASKS", min(tasks, 30000)))},
    })


# ---------------------------------------------------------------- the child: one engine

def measure(fn: Any, repeat: int) -> dict[str, Any]:
    """Median and p95 wall time, median CPU time (the Python process's own), queries, size and the slowest query."""
    s = sample(fn, repeat)
    slowest = max(s.queries, key=lambda q: float(q["time"]), default={"sql": "", "time": "0"})
    size = len(getattr(s.result, "content", b"") or b"")
    return {"median": s.median * 1000, "p95": s.p95 * 1000, "cpu": s.cpu_median * 1000,
            "queries": len(s.queries), "kb": size / 1024, "full_gc_slowest_ms": s.full_gc_in_slowest * 1000,
            "slowest_ms": float(slowest["time"]) * 1000, "slowest_sql": slowest["sql"]}


def raw(queryset: Any) -> Any:
    """The SQL Django sends for ``queryset``, run on a cursor: the page's rows with nothing around them.
    None when Django sends none (a scope it knows to be empty, e.g. a role that sees no notice)."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
    return run


def refuse_unmigrated() -> None:
    """A database measured as it is (BENCH_REUSE=1) is never migrated by the benchmark: a branch with a migration
    would change a database others measure too. Its migrations must be the code's already."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in pending[:5])
        print(f"{connection.vendor}: BENCH_REUSE=1 的数据库还有 {len(pending)} 个迁移未执行（{names} …）："
              "基准测试不改动它；请先对它执行 rectify manage migrate，或换一个数据库")
        sys.exit(1)


def prepare_database(tasks: int) -> None:
    from django.db import connection

    from rectify.accounts.models import User
    from rectify.tasks.models import Task

    reuse = os.environ.get("BENCH_REUSE") == "1"

    def enough() -> bool:
        generated = User.objects.filter(username="sheng_zgb").exists()
        if reuse and not generated:
            print(f"{connection.vendor}: BENCH_REUSE=1 但数据库不是 rectify generate 生成的（没有 sheng_zgb 账号）")
            sys.exit(1)
        return reuse or (Task.objects.count() == tasks and generated)

    if reuse:
        refuse_unmigrated()
        enough()
    else:
        ensure_generated(tasks, env_int("BENCH_REPORTS", 3), enough=enough)
    if connection.vendor == "postgresql":
        # The statistics and visibility map autovacuum keeps in a running database: without them, freshly
        # generated tables get plans made for empty tables, and no index-only scan.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def pages_of(user: Any, in_scope: int, page_size: int) -> list[tuple[str, str, Any]]:
    """(name, URL, the query set of its rows) of each page measured for ``user``."""
    from rectify.accounts.models import LoginEvent, PersonalDataAccess
    from rectify.accounts.permissions import can
    from rectify.dispatch.models import ProgressReport, ReportingRound
    from rectify.notifications.models import Notification
    from rectify.notifications.services import inbox_order
    from rectify.supervision.models import SupervisionNotice
    from rectify.tasks.filters import task_search_q
    from rectify.tasks.models import Assignment, Task, overdue_q
    from rectify.tasks.states import TaskState

    scoped = Task.objects.visible_to(user)
    ordered = scoped.order_by("plan_id", "id")
    detail_task = ordered.first()
    if detail_task is None:
        sys.exit(f"{user}: 没有可见的任务，无从测量（数据库不是 rectify generate 生成的？）")
    last_page = max(1, -(-in_scope // page_size))
    page50 = min(50, last_page)

    def rows_of(qs: Any, bottom: int) -> Any:
        """The page's rows as the best single query finds them: keys from the index, then the rows."""
        return qs.filter(pk__in=qs.values("pk")[bottom:bottom + page_size])

    searched = ordered.filter(task_search_q("污水"))
    filtered = ordered.filter(state=TaskState.IN_PROGRESS).filter(overdue_q())
    pages = [
        ("ledger page 1", "/ledger/", rows_of(ordered, 0)),
        ("todo panel", "/notifications/todo/panel/", None),  # 待我处理, loaded by the ledger after itself
        (f"ledger page {page50}", f"/ledger/?page={page50}", rows_of(ordered, (page50 - 1) * page_size)),
        ("ledger filter", "/ledger/?state=in_progress&overdue=on", rows_of(filtered, 0)),
        ("ledger search 污水", "/ledger/?q=污水", rows_of(searched, 0)),
        # its counts: in the page for a scope of up to LEDGER_COUNT_LATER_ROWS tasks, else loaded after it from here
        ("search counts 污水", "/ledger/counts/?q=污水", None),
        # a common word (in about half the generated tasks) and a common phrase of four characters, and their counts
        ("ledger search 整改", "/ledger/?q=整改", rows_of(ordered.filter(task_search_q("整改")), 0)),
        ("search counts 整改", "/ledger/counts/?q=整改", None),
        ("ledger search 生态环境", "/ledger/?q=生态环境", rows_of(ordered.filter(task_search_q("生态环境")), 0)),
        ("search counts 生态环境", "/ledger/counts/?q=生态环境", None),
        ("task detail", f"/ledger/{detail_task.uuid}/", scoped.filter(pk=detail_task.pk)),
        ("supervision list", "/supervision/", SupervisionNotice.objects.visible_to(user).order_by("-id")[:page_size]),
        ("dispatch home", "/dispatch/", ReportingRound.objects.visible_to(user).order_by("-period_end", "-id")[:30]),
        # The JSON API's lists (session login, as a browser calls them): their first pages.
        ("api tasks", "/api/v1/tasks", rows_of(ordered, 0)),
        ("api assignments", "/api/v1/assignments",
         Assignment.objects.visible_to(user).order_by("task_id", "role", "id")[:50]),
        ("api notices", "/api/v1/supervision/notices",
         SupervisionNotice.objects.visible_to(user).order_by("-issued_at", "-id")[:25]),
    ]
    # The reporting round page: the caller's latest round (the open one of the month).
    round_ = ReportingRound.objects.visible_to(user).order_by("-period_start", "id").first()
    if round_ is not None:
        pages.append(("reporting round", f"/dispatch/rounds/{round_.uuid}/",
                      ProgressReport.objects.filter(round=round_).order_by("id")[:page_size]))
        if can(user, "dispatch.read_round", round_):
            pages.append(("api round reports", f"/api/v1/dispatch/rounds/{round_.uuid}/reports",
                          ProgressReport.objects.visible_to(user).filter(round=round_)
                          .order_by("unit__name", "assignment__task__seq", "id")[:25]))
    # The user's notifications (``rectify generate`` tells each login of the tasks in its scope): the list and the API's.
    notes = inbox_order(Notification.objects.filter(recipient=user))
    pages += [("notifications", "/notifications/", rows_of(notes, 0)),
              ("notifications page 50", "/notifications/?page=50", rows_of(notes, 49 * 20)),
              ("api notifications", "/api/v1/notifications", rows_of(notes, 0))]
    if can(user, "system.audit_log"):  # the security logs (``demo.generate.security_logs``: a year of them), newest first
        events = LoginEvent.objects.order_by("-at", "-pk")
        pages += [("sign-in log", "/accounts/audit/logins/", rows_of(events, 0)),
                  ("sign-in log page 50", "/accounts/audit/logins/?page=50", rows_of(events, 49 * 50)),
                  ("sign-in log, a username", "/accounts/audit/logins/?username=unit1",
                   rows_of(events.filter(username__startswith="unit1"), 0)),
                  ("sign-in log, failed", "/accounts/audit/logins/?result=failed", rows_of(events.filter(success=False), 0)),
                  ("personal data log", "/accounts/audit/personal-data/",
                   rows_of(PersonalDataAccess.objects.order_by("-at", "-pk"), 0))]
    pages.append(("first page after login", "/", rows_of(ordered, 0)))
    return pages


def measure_role(label: str, username: str | None, repeat: int, page_size: int) -> list[dict[str, Any]]:
    from django.test import Client

    from rectify.accounts.models import User
    from rectify.tasks.models import Task

    client = Client()
    if username is None:
        public = measure(lambda c=client: c.get("/public/closures/"), repeat)
        return [{"role": label, "page": "public closures list", "scope": "", **public, "bare": None, "sql": None}]
    user = User.objects.get(username=username)
    client.force_login(user)
    in_scope = Task.objects.visible_to(user).count()
    bare = measure(lambda c=client: c.get("/bench-bare/"), repeat)
    bare_floor, bare_cpu = bare["median"], bare["cpu"]
    rows = []
    for name, url, rows_qs in pages_of(user, in_scope, page_size):
        follow = url == "/"
        result = measure(lambda c=client, u=url, f=follow: c.get(u, follow=f), repeat)
        result["status"] = int(client.get(url, follow=follow).status_code)
        floor_sql = raw(rows_qs) if rows_qs is not None else None
        sql_floor = measure(floor_sql, repeat)["median"] if floor_sql is not None else None
        rows.append({"role": label, "page": name, "scope": in_scope, **result, "bare": result["median"] / bare_floor,
                     "sql": result["median"] / sql_floor if sql_floor else None, "bare_ms": bare_floor, "bare_cpu_ms": bare_cpu,
                     "sql_ms": sql_floor})
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'role':<16}{'tasks in scope':>15}  {'page':<24}{'median ms':>10}{'p95 ms':>9}{'cpu ms':>8}{'× bare':>8}{'× SQL':>8}"
          f"{'queries':>9}{'KB':>8}")
    for r in rows:
        bare_ratio = f"{r['bare']:.1f}" if r["bare"] else "-"
        sql_ratio = f"{r['sql']:.1f}" if r["sql"] else "-"
        status = "" if r.get("status", 200) == 200 else f"  (HTTP {r['status']})"
        print(f"{r['role']:<16}{str(r['scope']):>15}  {r['page']:<24}{r['median']:>10.1f}{r['p95']:>9.1f}{r['cpu']:>8.1f}{bare_ratio:>8}"
              f"{sql_ratio:>8}{r['queries']:>9}{r['kb']:>8.1f}{status}")


def print_over_target(rows: list[dict[str, Any]]) -> None:
    """Pages over the targets (p95 ≤ 50 ms and ≤ 3× the bare view for ledger and detail pages): their
    slowest query, and with BENCH_EXPLAIN=1 on PostgreSQL its plan."""
    from django.db import connection

    over = [r for r in rows if r["bare"] and (r["p95"] > 50 or r["bare"] > 3)]
    if over:
        print("\npages over the target (p95 ≤ 50 ms, ≤ 3× bare view): slowest query of each")
    explained: set[str] = set()
    for r in over:
        collected = f", full garbage collection in the slowest run {r['full_gc_slowest_ms']:.0f} ms" if r.get("full_gc_slowest_ms") else ""
        print(f"  {r['role']} / {r['page']}: p95 {r['p95']:.0f} ms{collected}, slowest query {r['slowest_ms']:.1f} ms: {r['slowest_sql'][:160]}")
        sql = r["slowest_sql"]
        if os.environ.get("BENCH_EXPLAIN") == "1" and connection.vendor == "postgresql" and sql.startswith("SELECT") \
                and r["slowest_ms"] > 5 and sql not in explained:
            explained.add(sql)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
                for (line,) in cursor.fetchall()[:14]:
                    print("      " + line)


def child() -> None:
    start_django()
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.db import connection
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    import rectify.urls
    from rectify.core.models import ChangeRecord
    from rectify.dispatch.models import ProgressReport
    from rectify.tasks.models import Task

    settings.ALLOWED_HOSTS = ["*"]

    @login_required
    def bare(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    rectify.urls.urlpatterns.append(path("bench-bare/", bare))
    from rectify.core.startup import freeze_startup_objects

    freeze_startup_objects()  # as the server process does (rectify/wsgi.py)
    repeat = env_int("BENCH_REPEAT", 15)
    prepare_database(int(os.environ["BENCH_CHILD_TASKS"]))
    print(f"\nengine: {connection.vendor}; tasks {Task.objects.count():,}, progress reports {ProgressReport.objects.count():,}, "
          f"history rows {ChangeRecord.objects.count():,}; {repeat} runs per measure")
    rows: list[dict[str, Any]] = []
    for label, username in ROLES:
        rows += measure_role(label, username, repeat, settings.LEDGER_PAGE_SIZE)
    print_table(rows)
    print_over_target(rows)
    out = Path(os.environ.get("BENCH_OUT", tempfile.gettempdir())) / f"rectify-bench-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"engine": connection.vendor, "tasks": Task.objects.count(), "rows": rows}, ensure_ascii=False, indent=1))
    print(f"(figures also in {out})")


if __name__ == "__main__":
    run_script(main, child)
