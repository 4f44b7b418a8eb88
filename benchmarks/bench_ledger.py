#!/usr/bin/env python
"""Ledger page, search and export timings as ratios against baselines taken in the same run.

    .venv/bin/python benchmarks/bench_ledger.py [--tasks 5000]       # SQLite in a temporary folder
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/bench_ledger.py   # a PostgreSQL database (its tables are created)

Baselines: a bare Django view returning a constant through the same test client and
middleware (the framework's floor), and the page's core SQL query run raw.
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if not os.environ.get("DATABASE_URL"):
    os.environ["RECTIFY_DATA_DIR"] = tempfile.mkdtemp(prefix="rectify-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402

import rectify.urls  # noqa: E402
from rectify.accounts.models import RoleGrant, User  # noqa: E402
from rectify.inspections.models import Plan  # noqa: E402
from rectify.regions.models import Region, Unit  # noqa: E402
from rectify.tasks.models import Assignment, Measure, Task  # noqa: E402


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


rectify.urls.urlpatterns.append(path("bench-bare/", bare))


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


@transaction.atomic
def populate(n: int) -> User:
    province, _ = Region.objects.get_or_create(code="990000", defaults={"name": "测试省", "level": "province", "path": "990000/"})
    cities = [Region.objects.get_or_create(code=f"99{c:02d}00", defaults={"name": f"测试{c}市", "level": "city", "parent": province, "path": f"990000/99{c:02d}00/"})[0] for c in range(1, 11)]
    units = [Unit.objects.get_or_create(region=city, name=f"测试{i}局")[0] for city in cities for i in range(5)]
    plan, _ = Plan.objects.get_or_create(region=province, title="基准测试方案")
    existing = Task.objects.filter(plan=plan).count()
    tasks = [
        Task(plan=plan, region=cities[i % 10], region_path=cities[i % 10].path, seq=str(i), problem=f"第{i}项问题：河道垃圾与工地扬尘", target="全部整改到位",
             deadline=datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 900), search_text=f"第{i}项问题 河道垃圾 工地扬尘")
        for i in range(existing, n)
    ]
    Task.objects.bulk_create(tasks, batch_size=1000)
    new = Task.objects.filter(plan=plan, assignments__isnull=True)
    Assignment.objects.bulk_create([Assignment(task=t, unit=units[(t.pk * 7) % len(units)], role="responsible") for t in new], batch_size=1000)
    Measure.objects.bulk_create([Measure(task=t, order=1, text="开展排查") for t in Task.objects.filter(plan=plan, measures__isnull=True)], batch_size=1000)
    user, _ = User.objects.get_or_create(username="bench_office")
    user.set_password("bench-password-1")
    user.save()
    RoleGrant.objects.get_or_create(user=user, role="office", region=province)
    return user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    user = populate(args.tasks)
    client = Client()
    client.force_login(user)
    path_prefix = "990000/"

    def raw_page() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.id, t.seq, t.problem, t.deadline, t.state FROM tasks_task t JOIN regions_region r ON r.id = t.region_id "
                "WHERE r.path LIKE %s ORDER BY t.plan_id, t.id LIMIT 25",
                [path_prefix + "%"],
            )
            cursor.fetchall()

    results = {
        "bare Django view (baseline)": timed(lambda: client.get("/bench-bare/"), args.repeat),
        "raw SQL, first page (baseline)": timed(raw_page, args.repeat),
        "ledger page 1": timed(lambda: client.get("/ledger/"), args.repeat),
        "ledger page 100": timed(lambda: client.get("/ledger/?page=100"), args.repeat),
        "ledger search 扬尘 + overdue": timed(lambda: client.get("/ledger/?q=扬尘&overdue=on"), args.repeat),
        f"Excel export, all {args.tasks} tasks": timed(lambda: client.get("/ledger/export.xlsx"), max(3, args.repeat // 5)),
    }
    base_view = results["bare Django view (baseline)"]
    base_sql = results["raw SQL, first page (baseline)"]
    print(f"engine: {connection.vendor}, tasks: {Task.objects.count()}")
    print(f"{'measure':<36}{'median ms':>10}{'× bare view':>13}{'× raw SQL':>11}")
    for name, seconds in results.items():
        print(f"{name:<36}{seconds * 1000:>10.1f}{seconds / base_view:>13.1f}{seconds / base_sql:>11.1f}")


if __name__ == "__main__":
    main()
