#!/usr/bin/env python
"""``rectify generate`` before and after, in the same run on the same PostgreSQL: rows per second and the
CPU seconds of the Python process and of its PostgreSQL backend.

    .venv/bin/python benchmarks/bench_generate.py --before /path/to/old/checkout [--tasks 3000] [--reports 10]
        [--provinces 31] [--db-prefix bench_gen] [--server postgres://postgres@127.0.0.1:5432] [--verify]

Each side runs in a child process that imports the code of its own checkout (``--before``: a checkout of
the code to compare against, e.g. ``git archive main | tar -x -C /tmp/base``; the other side is this
checkout), into its own fresh database ``<prefix>_before`` / ``<prefix>_after`` (dropped and created
again, then migrated: the migration is not timed). ``--verify`` walks the audit chain afterwards.
``--profile FILE`` (child only) writes a cProfile of the generate call.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a local process (PostgreSQL's backend for our connection)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, args.code)
    os.environ["DATABASE_URL"] = f"{args.server}/{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "rectify.settings"
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import rectify

    if not Path(rectify.__file__).resolve().is_relative_to(Path(args.code).resolve()):
        raise SystemExit(f"measuring the wrong code: {rectify.__file__} is not under {args.code}")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    out = io.StringIO()
    cpu0, pg0, wall0 = time.process_time(), backend_cpu(pid), time.perf_counter()
    options = {"tasks": args.tasks, "reports_per_task": args.reports, "provinces": args.provinces, "stdout": out}
    if args.profile:
        import cProfile

        cProfile.runctx("call_command('generate', **options)", globals(), {"call_command": call_command, "options": options},
                        args.profile)
    else:
        call_command("generate", **options)
    wall, cpu, pg = time.perf_counter() - wall0, time.process_time() - cpu0, backend_cpu(pid) - pg0
    from rectify.core.models import ChangeRecord

    result = {"output": out.getvalue(), "wall": wall, "python_cpu": cpu, "pg_cpu": pg, "history": ChangeRecord.objects.count()}
    if args.verify:
        from rectify.core.history import verify_chain

        started = time.perf_counter()
        checked, problems = verify_chain()
        result.update(verified=checked, problems=problems[:5], verify_seconds=time.perf_counter() - started)
    print("RESULT " + json.dumps(result, ensure_ascii=False))


def side(args: argparse.Namespace, name: str, code: str) -> dict[str, object]:
    # The commands below run psql and this script with the operator's own arguments (S603).
    db = f"{args.db_prefix}_{name}"
    psql = ["psql", "-q", "-d", f"{args.server}/postgres", "-c"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{db}"'], check=True)  # noqa: S603
    subprocess.run([*psql, f'CREATE DATABASE "{db}"'], check=True)  # noqa: S603
    command = [sys.executable, __file__, "--child", "--code", code, "--db", db, "--server", args.server,
               "--tasks", str(args.tasks), "--reports", str(args.reports), "--provinces", str(args.provinces)]
    if args.verify:
        command.append("--verify")
    done = subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": code})  # noqa: S603
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result: dict[str, object] = json.loads(line[len("RESULT "):])
    if not args.keep:
        subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{db}"'], check=True)  # noqa: S603
    return result


def rows_of(output: str) -> int:
    line = next(line for line in output.splitlines() if line.startswith("已生成 "))
    return int(line.split()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="a checkout of the code to compare against")
    parser.add_argument("--tasks", type=int, default=3000)
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--provinces", type=int, default=31)
    parser.add_argument("--db-prefix", default="bench_gen")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--only", choices=["before", "after"], help="run one side")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(HERE), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    sides = [("before", args.before), ("after", str(HERE))]
    results = {}
    for name, code in sides:
        if code is None or (args.only and args.only != name):
            continue
        results[name] = result = side(args, name, code)
        rows = rows_of(str(result["output"]))
        print(f"--- {name} ({code})")
        print(str(result["output"]).rstrip())
        print(f"{name}: {rows:,} rows in {result['wall']:.1f} s = {rows / float(result['wall']):,.0f} rows/s; "  # type: ignore[arg-type]
              f"CPU python {result['python_cpu']:.1f} s, PostgreSQL backend {result['pg_cpu']:.1f} s"
              + (f"; verify: {result['verified']} rows, problems {result['problems']}" if args.verify else ""), flush=True)
    if len(results) == 2:
        before, after = (rows_of(str(results[n]["output"])) / float(results[n]["wall"]) for n in ("before", "after"))  # type: ignore[arg-type]
        print(f"after / before: {after / before:.2f}× rows per second")


if __name__ == "__main__":
    main()
