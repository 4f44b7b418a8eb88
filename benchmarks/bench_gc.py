#!/usr/bin/env python
"""What freezing the objects of the first requests (``rectify.core.startup.freeze_after_warm_up``) does to the
server's garbage collections, against the same process without that second freeze, in one run.

    BENCH_REUSE=1 BENCH_ENGINES=postgres BENCH_PG_URL=postgres://…/big python benchmarks/bench_gc.py

Each engine runs children in pairs: one process as the server is set up (startup objects frozen, and once more
after ``WARM_UP_REQUESTS`` requests) and the baseline, the same process with only the startup freeze. Each
child serves BENCH_GC_ROUNDS rounds (default 10) of every page ``bench_pages.py`` measures, for every role that
logs in, with DEBUG off, and times what comes after the warm-up: the full (generation 2) collections, the young
ones, and each request's time over its page's median in that child (the tail a collection adds: p99 and the
largest). BENCH_GC_PAIRS (default 2) pairs run
alternately, so a change in the machine's speed meets both. Data and environment as ``bench_pages.py``
(BENCH_TASKS, BENCH_REUSE, BENCH_PG_URL, BENCH_ENGINES, BENCH_SQLITE_DIR).
"""
from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _engines import env_int, run_per_engine, run_script, start_django

VARIANTS = {"warm-up": "startup and after the warm-up (the server)", "startup": "startup only (baseline)"}


def main() -> int:
    out = Path(tempfile.mkdtemp(prefix="rectify-bench-gc-"))
    tasks = env_int("BENCH_TASKS", 3000)
    status = 0
    for pair in range(env_int("BENCH_GC_PAIRS", 2)):
        for variant in VARIANTS:
            os.environ.update(BENCH_GC_VARIANT=variant, BENCH_GC_FILE=str(out / f"{variant}-{pair}-{{engine}}.json"))
            status = status or run_per_engine(__file__, sqlite_prefix="rectify-bench-", extra_env={
                "postgres": {"BENCH_CHILD_TASKS": str(tasks)},
                "sqlite": {"BENCH_CHILD_TASKS": str(min(tasks, 30000))}})
    print_comparison(out)
    return status


def print_comparison(out: Path) -> None:
    """Per engine: each variant's figures summed over its children, and the server's as a ratio of the baseline."""
    runs = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    for engine in sorted({r["engine"] for r in runs}):
        print(f"\n{engine}: {runs[0]['requests']} requests after the warm-up per child")
        merged = {v: merge([r for r in runs if r["engine"] == engine and r["variant"] == v]) for v in VARIANTS}
        print(f"{'gc.freeze()':<46}{'full GCs':>9}{'ms each':>9}{'young ms/req':>13}{'over median: p99':>18}{'max':>7}")
        for variant, m in merged.items():
            print(f"{VARIANTS[variant]:<46}{m['full']:>9}{m['full_ms']:>9.1f}{m['young_per_request']:>13.2f}"
                  f"{m['p99']:>18.1f}{m['slowest']:>7.1f}")
        server, base = merged["warm-up"], merged["startup"]
        if base["full_ms"] and base["p99"]:
            print(f"server / baseline: a full collection {server['full_ms'] / base['full_ms']:.2f}×, "
                  f"p99 over the median {server['p99'] / base['p99']:.2f}×, largest {server['slowest'] / base['slowest']:.2f}×")


def merge(children: list[dict[str, Any]]) -> dict[str, Any]:
    full = [ms for c in children for ms in c["full_ms"]]
    walls = sorted(ms for c in children for ms in c["over_median_ms"])
    requests = len(walls)
    return {"full": len(full), "full_ms": statistics.mean(full) if full else 0.0,
            "young_per_request": sum(c["young_ms"] for c in children) / max(requests, 1),
            "p99": walls[int(0.99 * (len(walls) - 1))] if walls else 0.0, "slowest": walls[-1] if walls else 0.0}


class Collections:
    """A ``gc.callbacks`` entry timing each collection, by generation."""

    def __init__(self) -> None:
        self.full_ms: list[float] = []
        self.young_ms = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        ms = (time.perf_counter() - self._started) * 1000
        if info.get("generation") == 2:
            self.full_ms.append(ms)
        else:
            self.young_ms += ms


def child() -> None:
    start_django()
    from bench_pages import ROLES, pages_of, prepare_database
    from django.conf import settings
    from django.core.signals import request_finished
    from django.db import connection
    from django.test import Client

    from rectify.accounts.models import User
    from rectify.core import startup
    from rectify.tasks.models import Task

    settings.ALLOWED_HOSTS = ["*"]
    startup.freeze_startup_objects()  # as rectify/wsgi.py does
    variant = os.environ["BENCH_GC_VARIANT"]
    if variant == "startup":
        request_finished.disconnect(dispatch_uid=startup.WARM_UP_FREEZE_UID)
    prepare_database(int(os.environ["BENCH_CHILD_TASKS"]))
    visits = []
    for _, username in ROLES:
        if username is None:
            continue
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        in_scope = Task.objects.visible_to(user).count()
        visits += [(client, url) for _, url, _ in pages_of(user, in_scope, settings.LEDGER_PAGE_SIZE)]
    served, collections = 0, Collections()
    walls: dict[str, list[float]] = {}
    for _ in range(env_int("BENCH_GC_ROUNDS", 10)):
        for client, url in visits:
            if served == startup.WARM_UP_REQUESTS:
                gc.callbacks.append(collections)
            start = time.perf_counter()
            client.get(url, follow=url == "/")
            if served >= startup.WARM_UP_REQUESTS:
                walls.setdefault(url, []).append((time.perf_counter() - start) * 1000)
            served += 1
    gc.callbacks.remove(collections)
    if not walls:
        sys.exit(f"只有 {served} 次请求，不到预热的 {startup.WARM_UP_REQUESTS} 次：请加大 BENCH_GC_ROUNDS")
    over_median = [ms - statistics.median(page) for page in walls.values() for ms in page]
    print(f"{connection.vendor} / {VARIANTS[variant]}: {len(over_median)} requests after the warm-up, "
          f"{len(collections.full_ms)} full collections, frozen {gc.get_freeze_count():,}")
    Path(os.environ["BENCH_GC_FILE"].format(engine=connection.vendor)).write_text(json.dumps({
        "engine": connection.vendor, "variant": variant, "requests": len(over_median), "over_median_ms": over_median,
        "full_ms": collections.full_ms, "young_ms": collections.young_ms}))


if __name__ == "__main__":
    run_script(main, child)
