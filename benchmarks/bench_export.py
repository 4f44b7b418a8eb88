#!/usr/bin/env python
"""The ledger's Excel export at 10,000 rows on SQLite and PostgreSQL, against a floor taken in the same run.

    .venv/bin/python benchmarks/bench_export.py                    # SQLite (temporary folder) and, with
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/bench_export.py   # PostgreSQL too

Each engine runs in a child process on a database filled by ``rectify generate`` (an empty one is
filled; one already holding BENCH_TASKS tasks is reused). For each size (BENCH_EXPORT_ROWS, default
"4765,10000") it times ``rectify.tasks.excel.write_ledger`` — what the export view and the background
export job call — over the first N tasks, and counts its queries. The floor is what the same file
cannot avoid: the raw SQL that returns the same rows (tasks, measures, milestones, units, regions,
plans) on a cursor, plus openpyxl's write-only workbook appending the same cell values without styles.

Environment: BENCH_TASKS (default 10000), BENCH_EXPORT_ROWS, BENCH_REPEAT (default 5), BENCH_PG_URL
(default DATABASE_URL; no PostgreSQL run without either), BENCH_ENGINES (default "sqlite,postgres"),
BENCH_SQLITE_DIR (reuse a SQLite data folder instead of a temporary one). The per-engine runner is
``benchmarks/_engines.py``, shared with bench_pages.py.
"""
from __future__ import annotations

import io
import os
import sys
from typing import Any

from _engines import ensure_generated, env_int, run_per_engine, run_script, sample, start_django


def main() -> int:
    return run_per_engine(__file__, sqlite_prefix="rectify-bench-export-")


def timed(fn: Any, repeat: int) -> tuple[float, int, Any, float]:
    """Median wall time, queries, the result, and median CPU time of this process (steadier on a busy machine)."""
    s = sample(fn, repeat)
    return s.median, len(s.queries), s.result, s.cpu_median


def child() -> None:
    start_django()
    from django.db import connection
    from openpyxl import Workbook, load_workbook

    from rectify.tasks.excel import write_ledger
    from rectify.tasks.models import Task

    tasks = env_int("BENCH_TASKS", 10000)
    repeat = env_int("BENCH_REPEAT", 5)
    sizes = [int(s) for s in os.environ.get("BENCH_EXPORT_ROWS", "4765,10000").split(",") if s.strip()]
    ensure_generated(tasks, 1, enough=lambda: Task.objects.count() >= max(sizes))
    print(f"\nengine: {connection.vendor}; tasks {Task.objects.count():,}; {repeat} runs per measure")

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times stretch with it; CPU ms are this process's own)")
    print(f"{'rows':>7}  {'export ms':>10}{'queries':>9}{'rows/s':>9}{'floor ms':>10}{'(SQL':>7}{'+ xlsx)':>9}{'× floor':>9}"
          f"{'CPU ms':>8}{'floor CPU':>10}{'× CPU':>7}{'KB':>7}")
    for size in sizes:
        last = Task.objects.order_by("id").values_list("id", flat=True)[size - 1]
        chosen = Task.objects.filter(id__lte=last)

        export_s, queries, content, export_cpu = timed(lambda c=chosen: write_ledger(c), repeat)
        sheet = load_workbook(io.BytesIO(content), read_only=True)
        values = [list(r) for r in sheet.worksheets[0].iter_rows(min_row=3, values_only=True)]
        sheet.close()
        if len(values) != size:
            sys.exit(f"the export holds {len(values)} rows, not {size}")

        def raw_sql(last: int = last) -> None:
            statements = [
                "SELECT id, seq, section, problem, title, target, responsible_person, deadline, long_term, priority, progress,"
                " state, region_id, plan_id, uuid FROM tasks_task WHERE id <= %s",
                "SELECT task_id, text FROM tasks_measure WHERE task_id <= %s ORDER BY task_id, \"order\"",
                "SELECT task_id, date, text FROM tasks_milestone WHERE task_id <= %s ORDER BY task_id, date, id",
                "SELECT a.task_id, a.role, u.name FROM tasks_assignment a JOIN regions_unit u ON u.id = a.unit_id"
                " WHERE a.task_id <= %s ORDER BY a.task_id, a.id",
                "SELECT r.id, r.name, r.level, p.name FROM regions_region r LEFT JOIN regions_region p ON p.id = r.parent_id"
                " WHERE r.id IN (SELECT region_id FROM tasks_task WHERE id <= %s)",
                "SELECT id, title FROM inspections_plan WHERE id IN (SELECT plan_id FROM tasks_task WHERE id <= %s)",
            ]
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql, [last])
                    cursor.fetchall()

        def bare_xlsx(values: list[list[Any]] = values) -> bytes:
            workbook = Workbook(write_only=True)
            ws = workbook.create_sheet("整改台账")
            for row in values:
                ws.append(row)
            out = io.BytesIO()
            workbook.save(out)
            return out.getvalue()

        sql_s, _, _, sql_cpu = timed(raw_sql, repeat)
        xlsx_s, _, _, xlsx_cpu = timed(bare_xlsx, repeat)
        floor, floor_cpu = sql_s + xlsx_s, sql_cpu + xlsx_cpu
        print(f"{size:>7,}  {export_s * 1000:>10.0f}{queries:>9}{size / export_s:>9,.0f}{floor * 1000:>10.0f}"
              f"{sql_s * 1000:>7.0f}{xlsx_s * 1000:>9.0f}{export_s / floor:>9.2f}{export_cpu * 1000:>8.0f}{floor_cpu * 1000:>10.0f}"
              f"{export_cpu / floor_cpu:>7.2f}{len(content) / 1024:>7.0f}")



if __name__ == "__main__":
    run_script(main, child)
