"""What the benchmarks share: one child process per database engine, the generated data, and timing.

A benchmark script runs in two roles. Started plainly it is the parent: ``run_per_engine`` starts the
same script again with ``--child`` once per engine of BENCH_ENGINES (default "sqlite,postgres"), each
with its own database — PostgreSQL at BENCH_PG_URL (else DATABASE_URL; skipped, saying so, without
either), SQLite in a temporary data folder (or BENCH_SQLITE_DIR, to reuse one) — so one engine's
settings, connections and caches never reach the other's figures. Children run with DEBUG off, as the server
does (BENCH_DEBUG=1 turns it on). In the child, ``start_django``
sets Django up, ``ensure_generated`` migrates and fills the database with ``rectify generate`` when it
does not hold what the benchmark needs, and ``sample`` times a callable the same way everywhere.

    def main() -> int:
        return run_per_engine(__file__, sqlite_prefix="rectify-bench-")

    def child() -> None:
        start_django()
        ...

    if __name__ == "__main__":
        run_script(main, child)
"""
from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def engines() -> list[str]:
    return [e.strip() for e in os.environ.get("BENCH_ENGINES", "sqlite,postgres").split(",") if e.strip()]


def run_per_engine(script: str, *, sqlite_prefix: str, extra_env: Mapping[str, Mapping[str, str]] | None = None) -> int:
    """Run ``script --child`` once per engine; the first non-zero exit status, else 0.

    ``extra_env`` adds variables per engine ("sqlite" / "postgres"), e.g. how many tasks that child
    should find."""
    pg_url = os.environ.get("BENCH_PG_URL") or os.environ.get("DATABASE_URL", "")
    status = 0
    for engine in engines():
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        # As the server runs (settings_production, make load): with DEBUG on, each request of Django's test
        # client leaves its templates' contexts in an lru_cache of 512 entries (``func_accepts_kwargs`` on the
        # receiver it connects), 200,000 objects every full garbage collection walks (100 ms, not the page's).
        env["RECTIFY_DEBUG"] = os.environ.get("BENCH_DEBUG", "0")
        if engine == "postgres":
            if not pg_url.startswith("postgres"):
                print("PostgreSQL: 未设置 BENCH_PG_URL 或 DATABASE_URL，跳过")
                continue
            env["DATABASE_URL"] = pg_url
        else:
            env["RECTIFY_DATA_DIR"] = os.environ.get("BENCH_SQLITE_DIR") or tempfile.mkdtemp(prefix=sqlite_prefix)
        env.update((extra_env or {}).get("postgres" if engine == "postgres" else "sqlite", {}))
        # This interpreter running the benchmark's own file: no input from outside reaches the command.
        result = subprocess.run([sys.executable, script, "--child"], env=env, cwd=ROOT)  # noqa: S603
        status = status or result.returncode
    return status


def run_script(main: Callable[[], int], child: Callable[[], None]) -> None:
    """The script's entry point: the child with ``--child``, else the parent (exiting with its status)."""
    if "--child" in sys.argv:
        child()
    else:
        sys.exit(main())


def start_django() -> None:
    """Set Django up in this process, on the database the environment names (the parent chose it)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    import django

    django.setup()


def ensure_generated(tasks: int, reports_per_task: int, *, enough: Callable[[], bool]) -> None:
    """Migrate, then fill the database with ``rectify generate`` unless ``enough()`` says it already holds
    what is needed. A database holding other data is refused by ``generate``: say so and exit 1."""
    from django.core.management import call_command
    from django.db import connection

    from rectify.demo.generate import NotEmpty

    call_command("migrate", verbosity=0)
    if enough():
        return
    started = time.perf_counter()
    try:
        with open(os.devnull, "w") as quiet:
            call_command("generate", tasks=tasks, reports_per_task=reports_per_task, verbosity=0, stdout=quiet)
    except Exception as error:
        if isinstance(error.__cause__, NotEmpty) or "数据库不是空的" in str(error):
            print(f"{connection.vendor}: {error}（请给 BENCH_PG_URL 一个空数据库）")
            sys.exit(1)
        raise
    print(f"{connection.vendor}: generated {tasks} tasks in {time.perf_counter() - started:.0f} s")


@dataclass
class Samples:
    """``repeat`` timed runs of one callable after a warm-up: wall and CPU seconds of each run, and the
    result and captured queries of the last one."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    full_gc: list[float] = field(default_factory=list)  # seconds of full (generation 2) collections in each run
    queries: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None

    @property
    def full_gc_in_slowest(self) -> float:
        """Seconds the slowest run spent in full garbage collections (a p95 of a few runs is their slowest)."""
        return self.full_gc[self.wall.index(max(self.wall))] if self.wall else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def p95(self) -> float:
        runs = sorted(self.wall)
        return runs[min(len(runs) - 1, int(round(0.95 * (len(runs) - 1))))]

    @property
    def cpu_median(self) -> float:
        """The Python process's own CPU time (the database's is not in it): on a busy machine the wall
        time also holds the waits for a core, at every query's round trip."""
        return statistics.median(self.cpu)


def sample(fn: Callable[[], Any], repeat: int) -> Samples:
    """Call ``fn`` once to warm up, then ``repeat`` times under a query capture on the default connection."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = Samples(result=fn())
    collecting = FullCollections()
    gc.callbacks.append(collecting)
    try:
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                collecting.seconds = 0.0
                start, start_cpu = time.perf_counter(), time.process_time()
                samples.result = fn()
                samples.wall.append(time.perf_counter() - start)
                samples.cpu.append(time.process_time() - start_cpu)
                samples.full_gc.append(collecting.seconds)
            samples.queries = list(captured.captured_queries)
    finally:
        gc.callbacks.remove(collecting)
    return samples


class FullCollections:
    """A ``gc.callbacks`` entry adding up the seconds of full (generation 2) collections: a page's slowest run
    that held one was slow for the collector, not for the page's code or its queries."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
