#!/usr/bin/env python
"""A plan import through the web pages, into a national-scale ledger, on SQLite and PostgreSQL, against floors
taken in the same run.

    .venv/bin/python benchmarks/bench_import.py                  # SQLite (temporary folder) and, with
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/bench_import.py   # PostgreSQL too
    BENCH_REUSE=1 BENCH_ENGINES=postgres BENCH_PG_URL=postgres://…/big300 .venv/bin/python benchmarks/bench_import.py

As a city office (``shi_zgb`` of ``rectify generate``), for each plan document (the seed plans in
../shared/seeds, else the plan the import tests compose): the upload (read, parse, kept as a
batch), the preview page (every task's form, its units matched against the region's), the confirmation
(plan, tasks, assignments, units and history written) and the same document uploaded again (found as a
duplicate, nothing written). Each run is one transaction rolled back at its end, so a shared database is
left as it was (files go to a temporary folder). The floors: the parse alone (``ingest.parse``, what any
import must do) and a bare Django view behind the same middleware and login.

Environment: BENCH_TASKS (default 3000, the generated ledger's size), BENCH_REPEAT (default 5), BENCH_PG_URL,
BENCH_ENGINES, BENCH_REUSE (1: the database as it is, filled beforehand by ``rectify generate``), BENCH_SQLITE_DIR
(see ``benchmarks/_engines.py``).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _engines import ROOT, ensure_generated, env_int, run_per_engine, run_script, sample, start_django

USERNAME = "shi_zgb"
PLAN_KINDS = {"rectification_plan", "action_plan"}  # the documents a plan import takes (ingest's kinds)


def main() -> int:
    return run_per_engine(__file__, sqlite_prefix="rectify-bench-import-")


def documents() -> list[tuple[str, bytes]]:
    """(name, bytes) of each plan document: the seed plans and action plans, else the plan the import tests compose."""
    import ingest

    seeds = ROOT / "../shared/seeds"
    found = []
    if seeds.is_dir():
        for path in sorted(seeds.iterdir()):
            data = path.read_bytes()
            parsed = ingest.parse(data, path.name)
            if path.is_file() and parsed.get("kind") in PLAN_KINDS and parsed.get("tasks"):
                found.append((path.name, data))
    if found:
        return found
    from rectify.imports.tests.documents import txt_plan

    return [("plan.txt", txt_plan())]


def prepare() -> tuple[Any, Any]:
    """The generated database (made, or reused as it is), the city office and its region."""
    from django.db import connection

    from rectify.accounts.models import User
    from rectify.tasks.models import Task

    if os.environ.get("BENCH_REUSE") == "1":
        from bench_pages import refuse_unmigrated

        refuse_unmigrated()
    else:
        tasks = env_int("BENCH_TASKS", 3000)
        ensure_generated(tasks, 1, enough=lambda: Task.objects.count() >= tasks and User.objects.filter(username=USERNAME).exists())
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        sys.exit(f"{connection.vendor}: 没有 {USERNAME} 账号：数据库不是 rectify generate 生成的")
    region = next((g.region for g in user.grants if g.region is not None), None)
    return user, region


def bare_view() -> None:
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    import rectify.urls

    settings.ALLOWED_HOSTS = ["*"]

    @login_required
    def bare(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    rectify.urls.urlpatterns.append(path("bench-bare/", bare))


def preview_url(batch: Any) -> str:
    from django.urls import reverse

    return reverse("imports:preview", args=[batch.uuid])


class Run:
    """One import from upload to confirmation and the same bytes again, in a transaction rolled back."""

    def __init__(self, client: Any, region: Any, name: str, data: bytes) -> None:
        self.client, self.region, self.name, self.data = client, region, name, data

    def upload(self) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.urls import reverse

        return self.client.post(reverse("imports:upload"), {"file": SimpleUploadedFile(self.name, self.data), "region": self.region.pk})

    def steps(self) -> dict[str, Any]:
        """Each step's response, and what the confirmation and the second upload wrote."""
        from django.db import transaction

        from rectify.imports.tests.helpers import batch_from, form_data
        from rectify.tasks.models import Task

        with transaction.atomic():
            tasks = Task.objects.count()
            uploaded = self.upload()
            batch = batch_from(uploaded)
            preview = self.client.get(preview_url(batch))
            confirmed = self.client.post(preview_url(batch), form_data(batch))
            written = Task.objects.count() - tasks
            again = self.upload()
            rewritten = Task.objects.count() - tasks - written
            result = {"upload": uploaded, "preview": preview, "confirm": confirmed, "again": again,
                      "tasks": written, "duplicated": rewritten}
            transaction.set_rollback(True)
        return result

    def step(self, name: str) -> Callable[[], Any]:
        """Do, untimed, what comes before step ``name``, and give the step itself to be timed."""
        from rectify.imports.tests.helpers import batch_from, form_data

        if name == "upload":
            return self.upload
        batch = batch_from(self.upload())
        if name == "preview":
            return lambda: self.client.get(preview_url(batch))
        data = form_data(batch)
        if name == "confirm":
            return lambda: self.client.post(preview_url(batch), data)
        self.client.post(preview_url(batch), data)
        return self.upload  # the same bytes again


def measure_step(run: Run, name: str, repeat: int) -> tuple[float, int]:
    """(median ms, queries) of one step, each run in a transaction rolled back at its end (after a warm-up)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    walls: list[float] = []
    queries = 0
    for _ in range(repeat + 1):
        with transaction.atomic():
            act = run.step(name)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                act()
                walls.append(time.perf_counter() - started)
            queries = len(captured)
            transaction.set_rollback(True)
    return statistics.median(walls[1:]) * 1000, queries


def child() -> None:
    start_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    import ingest
    from rectify.core.startup import freeze_startup_objects
    from rectify.tasks.models import Task

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="rectify-bench-import-files-")
    bare_view()
    freeze_startup_objects()
    user, region = prepare()
    repeat = env_int("BENCH_REPEAT", 5)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    print(f"\nengine: {connection.vendor}; tasks {Task.objects.count():,}; as {USERNAME} into {region.full_name}; "
          f"{repeat} runs per measure (each rolled back)")
    bare = sample(lambda: client.get("/bench-bare/"), repeat * 3).median * 1000
    print(f"bare view {bare:.1f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'document':<28}{'tasks':>6}{'parse ms':>9}  {'upload':>8}{'q':>4}{'preview':>9}{'q':>4}{'KB':>6}"
          f"{'confirm':>9}{'q':>5}{'ms/task':>8}{'again':>8}{'q':>4}{'× parse':>8}{'× bare':>7}")
    for name, data in documents():
        run = Run(client, region, name, data)
        check = run.steps()
        if check["confirm"].status_code != 302 or check["tasks"] <= 0:
            sys.exit(f"{name}: 确认导入没有写入任务（{check['confirm'].status_code}）\n" + check["confirm"].content.decode()[:3000])
        if check["duplicated"]:
            sys.exit(f"{name}: 重复导入又写入了 {check['duplicated']} 项任务")
        parse_ms = sample(partial(ingest.parse, data, name), repeat).median * 1000
        figures = {step: measure_step(run, step, repeat) for step in ("upload", "preview", "confirm", "again")}
        kb = len(check["preview"].content) / 1024
        print(f"{Path(name).name[:27]:<28}{check['tasks']:>6}{parse_ms:>9.1f}  {figures['upload'][0]:>8.1f}{figures['upload'][1]:>4}"
              f"{figures['preview'][0]:>9.1f}{figures['preview'][1]:>4}{kb:>6.0f}{figures['confirm'][0]:>9.1f}{figures['confirm'][1]:>5}"
              f"{figures['confirm'][0] / check['tasks']:>8.1f}{figures['again'][0]:>8.1f}{figures['again'][1]:>4}"
              f"{figures['upload'][0] / parse_ms:>8.1f}{figures['preview'][0] / bare:>7.1f}")


if __name__ == "__main__":
    run_script(main, child)
