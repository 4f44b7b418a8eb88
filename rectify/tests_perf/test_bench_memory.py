"""benchmarks/bench_memory.py at a tiny size on SQLite: a server process's memory from its start to the plateau."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_memory_benchmark_measures_a_server_process_to_its_plateau(tmp_path: Path) -> None:
    env = {**os.environ, "BENCH_ENGINES": "sqlite", "BENCH_TASKS": "60", "BENCH_REPORTS": "1",
           "BENCH_MEMORY_DETAILS": "40", "BENCH_MEMORY_THREADS": "4", "BENCH_OUT": str(tmp_path / "out"),
           "BENCH_SQLITE_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    env.pop("BENCH_PG_URL", None)
    env.pop("BENCH_REUSE", None)
    run = subprocess.run([sys.executable, "benchmarks/bench_memory.py"], cwd=ROOT, env=env,  # noqa: S603 - this interpreter, the repository's script
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "plateau: from request" in run.stdout
    figures = json.loads((tmp_path / "out" / "rectify-bench-memory-sqlite.json").read_text())
    assert figures["engine"] == "sqlite" and figures["distinct_tasks"] >= 40  # phase 2 goes on to tasks not seen yet
    assert set(figures["statuses"]) <= {"200", "302"}
    phases = [row["phase"] for row in figures["checkpoints"]]
    assert phases[:3] == ["before Django", "start", "first request"] and "phase 1" in phases and "phase 2" in phases
    start, last = figures["checkpoints"][1], figures["checkpoints"][-1]
    assert start["rss_mb"] > 30 and last["hwm_mb"] >= last["rss_mb"] > start["rss_mb"]
    assert last["requests"] >= 60  # phase 1: one pass over the 40 task pages and the lists between them
    # the history timeline kept the items of the pages seen; every cache named has its count and its cap listed
    assert last["caches"]["timeline"] > 40
    assert set(figures["caps"]) == set(last["caches"]) and figures["caps"]["timeline"] == 20_000
    assert figures["plateau"]["from_requests"] is not None and not figures["plateau"]["leak"]
    assert figures["at_caps"]["rss_mb"] >= last["rss_mb"] and figures["at_caps"]["cache_mb"]["timeline"] > 0
    assert 0 < last["cache_mb"]["timeline"] < 5  # a few hundred items of a few hundred bytes
