#!/usr/bin/env python
"""A server process's memory (resident set size) from its start to the plateau its per-process caches reach.

    BENCH_ENGINES=sqlite BENCH_TASKS=300 python benchmarks/bench_memory.py      # a small generated set: about a minute
    BENCH_REUSE=1 BENCH_ENGINES=postgres BENCH_PG_URL=postgres://…/g30 python benchmarks/bench_memory.py

(Not in ``make bench``: at the default size, 3,000 tasks generated on SQLite and up to 18,000 requests, it takes
minutes; about 3 on the 30,000 tasks of a PostgreSQL set.)

Per engine, a first child fills the database as ``bench_pages.py`` does (``rectify generate``; BENCH_REUSE=1: the
database as it is), logs the roles in and writes down what they will visit; then a fresh process is set up as the
server is (``import rectify.wsgi``: Django set up, the startup objects frozen, the warm-up freeze armed, DEBUG off)
and serves those visits through the WSGI application from BENCH_MEMORY_THREADS threads (default 8, as
``rectify serve``), each request with its role's session cookie, as waitress calls it. The mix: the roles' task
pages in turn, each of a task not seen before, and after every second one a role's next list (ledger pages 1 to
BENCH_MEMORY_LEDGER_PAGES, default 20, the 待我处理 panel, the ledger's filter, search and counts, the supervision
list, the dispatch home, the reporting round, the API lists; the public list for the visitor).

Recorded from /proc/self/status (VmRSS, VmHWM; tracemalloc stays off), with Python's allocated blocks: before
Django, at start, after the first request, then every BENCH_MEMORY_EVERY requests (default: an eighth of phase 1),
with the entries of each per-process cache (``caches``) and the bytes of those holding data (``contents``: the
history timeline's items, ``core.generations``' kept answers, the counts' statements). Phase 1: BENCH_MEMORY_REQUESTS
requests (default: 1.5 × BENCH_MEMORY_DETAILS, default 3000 distinct task pages, so the timeline's kept items reach
their cap). Phase 2 goes on to tasks not seen yet (then the same again) until every cache is full (it reached its
cap) or steady (no new entry at the last three checkpoints) for three checkpoints, or BENCH_MEMORY_MAX requests
(default 4 × phase 1). The RSS's growth since every cache was full or steady is the plateau's: more than
BENCH_MEMORY_TOLERANCE_MB (default 8) is reported as a leak, naming the caches still growing. Last, each data cache's
MB at its cap (from the bytes per entry measured) and the RSS once all are there.

Environment as ``bench_pages.py``: BENCH_TASKS (tasks generated, default 3000; SQLite at most
BENCH_SQLITE_TASKS), BENCH_REPORTS, BENCH_REUSE, BENCH_PG_URL, BENCH_ENGINES, BENCH_SQLITE_DIR; BENCH_OUT (a folder:
the figures as JSON in rectify-bench-memory-<engine>.json). Exits 1 on a server error (HTTP 5xx) or a leak.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from _engines import env_int, run_per_engine, run_script

STEADY = 3  # checkpoints without a new entry after which a cache's keys are taken as exhausted (and plateau shown)
EMPTY_SCOPE = ["/ledger/", "/notifications/todo/panel/", "/supervision/", "/dispatch/", "/api/v1/tasks", "/"]


def main() -> int:
    tasks = env_int("BENCH_TASKS", 3000)
    return run_per_engine(__file__, sqlite_prefix="rectify-bench-memory-", extra_env={
        "postgres": {"BENCH_CHILD_TASKS": str(tasks)},
        "sqlite": {"BENCH_CHILD_TASKS": str(env_int("BENCH_SQLITE_TASKS", min(tasks, 30000)))},
    })


def child() -> None:
    if os.environ.get("BENCH_MEMORY_PLAN"):
        serve_and_measure(Path(os.environ["BENCH_MEMORY_PLAN"]))
        return
    plan = Path(tempfile.mkdtemp(prefix="rectify-bench-memory-plan-")) / "plan.json"
    write_plan(plan)
    # The measured process starts fresh: nothing of the generation, the migration or the logins in its memory.
    try:
        result = subprocess.run([sys.executable, __file__, "--child"],  # noqa: S603  (this interpreter, this file)
                                env={**os.environ, "BENCH_MEMORY_PLAN": str(plan)})
    finally:
        shutil.rmtree(plan.parent, ignore_errors=True)
    sys.exit(result.returncode)


# ---------------------------------------------------------------- the plan: who visits what (first child)

def write_plan(plan: Path) -> None:
    """Fill the database, log each role in, and write its session cookie, its lists and its distinct tasks."""
    from _engines import start_django

    start_django()
    from bench_pages import ROLES, pages_of, prepare_database
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from rectify.accounts.models import User
    from rectify.tasks.models import Task

    prepare_database(int(os.environ["BENCH_CHILD_TASKS"]))
    details = env_int("BENCH_MEMORY_DETAILS", 3000)
    phase1 = env_int("BENCH_MEMORY_REQUESTS", details * 3 // 2)
    most = max(phase1, env_int("BENCH_MEMORY_MAX", 4 * phase1))
    roles: list[dict[str, Any]] = []
    visible: list[list[str]] = []
    for label, username in ROLES:
        if username is None:
            roles.append({"role": label, "cookie": "", "lists": ["/public/closures/"]})
            visible.append([])
            continue
        user = User.objects.filter(username=username).first()
        if user is None:  # a small generated set may have no unit login
            continue
        client = Client()
        client.force_login(user)
        roles.append({"role": label, "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
                      "lists": lists_of(user, pages_of)})
        # as many distinct tasks as the requests to serve can visit (two in three requests are a task's page)
        visible.append([str(u) for u in Task.objects.visible_to(user).order_by("id").values_list("uuid", flat=True)[:most]])
    spread = spread_tasks(visible, max(details, most * 2 // 3))
    plan.with_name("details.txt").write_text("".join(f"{role} {task}\n" for role, task in spread))
    plan.write_text(json.dumps({"engine": connection.vendor, "tasks": Task.objects.count(), "details": len(spread),
                                "phase1": phase1, "most": most, "roles": roles}))


def lists_of(user: Any, pages_of: Callable[..., list[tuple[str, str, Any]]]) -> list[str]:
    """The lists ``bench_pages.py`` measures for ``user`` and the ledger's pages 2 to BENCH_MEMORY_LEDGER_PAGES."""
    from django.conf import settings

    from rectify.tasks.models import Task

    in_scope = Task.objects.visible_to(user).count()
    last_page = max(1, -(-in_scope // settings.LEDGER_PAGE_SIZE))
    # pages_of needs a task in scope (a small generated set leaves some roles none): then the lists without one
    lists = [url for _, url, _ in pages_of(user, in_scope, settings.LEDGER_PAGE_SIZE)] if in_scope else list(EMPTY_SCOPE)
    return lists + [f"/ledger/?page={p}" for p in range(2, min(env_int("BENCH_MEMORY_LEDGER_PAGES", 20), last_page) + 1)]


def spread_tasks(visible: list[list[str]], wanted: int) -> list[tuple[int, str]]:
    """(role index, task uuid) of up to ``wanted`` distinct tasks, the roles taking turns (each its next task not taken)."""
    taken: set[str] = set()
    spread: list[tuple[int, str]] = []
    queues = [iter(tasks) for tasks in visible]
    added = True
    while added and len(spread) < wanted:
        added = False
        for index, queue in enumerate(queues):
            task = next((t for t in queue if t not in taken), None)
            if task is not None and len(spread) < wanted:
                taken.add(task)
                spread.append((index, task))
                added = True
    return spread


def visits(plan: dict[str, Any], details: Path) -> Iterator[tuple[str, str, bool]]:
    """(cookie, URL, a task's page?) without end: each distinct task's page in turn (read from ``details`` as they
    come: the measured process holds no list of them), and after every second one a role's next list."""
    roles = plan["roles"]
    turn = 0
    while True:
        with details.open() as lines:
            for index, line in enumerate(lines):
                role, task = line.split()
                yield roles[int(role)]["cookie"], f"/ledger/{task}/", True
                if index % 2:
                    listing = roles[turn % len(roles)]
                    yield listing["cookie"], listing["lists"][(turn // len(roles)) % len(listing["lists"])], False
                    turn += 1
        if not plan["details"]:  # no task visible to anyone: lists only
            listing = roles[turn % len(roles)]
            yield listing["cookie"], listing["lists"][(turn // len(roles)) % len(listing["lists"])], False
            turn += 1


# ---------------------------------------------------------------- the measured process (second child)

def memory() -> dict[str, float]:
    """VmRSS and VmHWM in MB (Linux), and Python's allocated blocks in thousands."""
    found = {"rss_mb": 0.0, "hwm_mb": 0.0, "blocks_k": sys.getallocatedblocks() / 1000}
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return found
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found["rss_mb" if name == "VmRSS" else "hwm_mb"] = int(value.split()[0]) / 1024
    return found


def caches() -> dict[str, tuple[Callable[[], int], int | None]]:
    """The per-process caches a server keeps: name → (entries now, cap; None where the keys themselves are few:
    routes, static files, templates' names, the users and regions a process meets)."""
    from django.template import engines

    from rectify.core import changes, generations, jinja, timeline
    from rectify.core.templatetags import rectify_tables
    from rectify.tasks import counts, excel_import, filters

    def templates() -> int:
        kept = 0
        for engine in engines.all():
            engine = cast(Any, engine)
            if hasattr(engine, "env"):  # Jinja2: its LRU cache of compiled templates
                kept += len(engine.env.cache or ())
            else:
                for loader in engine.engine.template_loaders:
                    kept += len(getattr(loader, "get_template_cache", ()))
        return kept

    def lru(*functions: Any) -> Callable[[], int]:
        return lambda: sum(f.cache_info().currsize for f in functions)

    jinja_cache = next((e.env.cache for e in engines.all() if hasattr(e, "env")), None)
    return {
        "timeline": (lambda: len(timeline._ITEMS), timeline.KEPT_ITEMS),
        "answers": (lambda: len(generations._answers), generations.MAX_ENTRIES),
        "count sql": (lambda: len(counts._COUNTS_STATEMENTS), counts._COUNTS_STATEMENTS_KEPT),
        "templates": (templates, jinja_cache.capacity if jinja_cache is not None else None),
        "urls": (lambda: len(jinja._URLS) + len(jinja._UUID_URLS) + len(rectify_tables._LINKS), None),
        "static": (lambda: len(jinja._STATIC), None),
        "widgets": (lambda: len(filters._EMPTY_WIDGETS), None),
        "hist fields": (lru(changes._model, changes._field, changes._choices), 256 + 4096 + 1024),
        "unit names": (lru(excel_import._normalised), 8192),
    }


def contents() -> dict[str, Any]:
    """The caches of data (not of code: templates, routes) whose size in bytes is measured (``deep_size``)."""
    from rectify.core import generations, timeline
    from rectify.tasks import counts

    return {"timeline": timeline._ITEMS, "answers": generations._answers, "count sql": counts._COUNTS_STATEMENTS}


def deep_size(obj: Any, seen: set[int] | None = None) -> int:
    """Bytes of ``obj`` and the data it holds (containers, named tuples, dataclasses' fields), each object counted
    once; other objects (a query set, a model instance) shallow: what they refer to (fields, models, connections)
    is mostly the process's own, shared with everything else. Classes, modules and functions not at all."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, type | types.ModuleType | types.FunctionType | types.BuiltinFunctionType):
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list | tuple | set | frozenset):
        size += sum(deep_size(item, seen) for item in obj)
    elif dataclasses.is_dataclass(obj):
        size += sum(deep_size(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
    return size


def environ(cookie: str, url: str) -> dict[str, Any]:
    """The WSGI environ waitress makes for ``GET url`` from a browser holding ``cookie``."""
    import io
    from urllib.parse import quote, urlsplit

    parts = urlsplit(url)
    return {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": parts.path,
            "QUERY_STRING": quote(parts.query, safe="=&"), "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_ACCEPT": "text/html,application/json", "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9",
            "HTTP_COOKIE": cookie, "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}


def serve_and_measure(plan_file: Path) -> None:
    plan = json.loads(plan_file.read_text())
    before_django = memory()
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import rectify.wsgi  # the server's process: Django set up, the startup objects frozen (rectify/wsgi.py)

    start = memory()
    application = rectify.wsgi.application
    statuses: dict[str, int] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def serve(visit: tuple[str, str, bool]) -> None:
        cookie, url, _ = visit
        answered: list[str] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            answered.append(status)
            return lambda data: None

        body = application(environ(cookie, url), start_response)
        try:
            for _ in body:
                pass
        finally:
            getattr(body, "close", lambda: None)()
        code = answered[0].split()[0]
        with lock:
            statuses[code] = statuses.get(code, 0) + 1
            if code.startswith("5") and len(failures) < 5:
                failures.append(f"{code} {url}")

    kept = caches()
    phase1, most = plan["phase1"], plan["most"]
    every = max(1, env_int("BENCH_MEMORY_EVERY", -(-phase1 // 8)))
    threads = env_int("BENCH_MEMORY_THREADS", 8)
    print(f"\n{plan['engine']}: {plan['tasks']:,} tasks, {threads} threads; phase 1 {phase1:,} requests, "
          f"phase 2 to at most {most:,}; {plan['details']:,} distinct task pages planned")
    print_header(kept)
    rows = [row("before Django", 0, 0, before_django, start, kept), row("start", 0, 0, start, start, kept)]
    source = visits(plan, plan_file.with_name("details.txt"))
    seen = 0
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="waitress") as pool:
        first = next(source)
        pool.submit(serve, first).result()
        served, seen = 1, int(first[2])
        rows.append(row("first request", served, seen, memory(), start, kept))
        while served < most:
            batch = [next(source) for _ in range(min(every - served % every, most - served))]
            list(pool.map(serve, batch))
            served += len(batch)
            seen = min(plan["details"], seen + sum(1 for v in batch if v[2]))
            rows.append(row("phase 1" if served <= phase1 else "phase 2", served, seen, memory(), start, kept))
            settled_at = first_settled(rows, kept)
            if served >= phase1 and settled_at is not None and served - settled_at >= STEADY * every:
                break  # the plateau shown: three checkpoints after every cache was full or steady
    seconds = time.perf_counter() - started
    plateau = plateau_of(rows, kept)
    report(rows, kept, plateau, statuses, failures, seconds)
    out = os.environ.get("BENCH_OUT")
    if out:
        path = Path(out) / f"rectify-bench-memory-{plan['engine']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({
            "engine": plan["engine"], "tasks": plan["tasks"], "distinct_tasks": seen, "threads": threads,
            "seconds": seconds, "statuses": statuses, "caps": {name: cap for name, (_, cap) in kept.items()},
            "checkpoints": rows, "plateau": plateau, "at_caps": at_caps(rows, kept)}, ensure_ascii=False, indent=1))
        print(f"(figures also in {path})")
    if failures or plateau["leak"]:
        sys.exit(1)


def row(phase: str, served: int, seen: int, now: dict[str, float], start: dict[str, float],
        kept: dict[str, tuple[Callable[[], int], int | None]]) -> dict[str, Any]:
    found = {"phase": phase, "requests": served, "tasks_seen": seen, **now, "growth_mb": now["rss_mb"] - start["rss_mb"],
             "caches": {name: size() for name, (size, _) in kept.items()},
             "cache_mb": {name: deep_size(data) / 2**20 for name, data in contents().items()}}
    print_row(found)
    return found


def full_or_steady(rows: list[dict[str, Any]], name: str, cap: int | None) -> bool:
    """A cache at its cap once (kept to it or cleared on reaching it), or without a new entry at the last checkpoints."""
    sizes = [r["caches"][name] for r in rows if r["requests"]]
    if cap is not None and any(size >= cap or (size < before) for before, size in zip(sizes, sizes[1:], strict=False)):
        return True
    return len(sizes) > STEADY and len(set(sizes[-STEADY - 1:])) == 1


def settled(rows: list[dict[str, Any]], kept: dict[str, tuple[Callable[[], int], int | None]]) -> bool:
    return all(full_or_steady(rows, name, cap) for name, (_, cap) in kept.items())


def first_settled(rows: list[dict[str, Any]], kept: dict[str, tuple[Callable[[], int], int | None]]) -> int | None:
    """The requests served at the first checkpoint from which every cache has been full or steady to the last one."""
    counted = [r for r in rows if r["requests"]]
    since = None
    for i in range(len(counted) - 1, -1, -1):
        if not settled(counted[:i + 1], kept):
            break
        since = counted[i]["requests"]
    return since


def plateau_of(rows: list[dict[str, Any]], kept: dict[str, tuple[Callable[[], int], int | None]]) -> dict[str, Any]:
    """From the first checkpoint where every cache was full or steady: the RSS's growth to the end, and the caches
    still not full and growing then (a leak's suspects)."""
    counted = [r for r in rows if r["requests"]]
    first = first_settled(rows, kept)
    tolerance = env_int("BENCH_MEMORY_TOLERANCE_MB", 8)
    if first is None or first == counted[-1]["requests"]:
        unsettled = [name for name, (_, cap) in kept.items() if not full_or_steady(counted, name, cap)]
        return {"from_requests": None, "growth_mb": None, "leak": False, "growing": unsettled,
                "note": "caches not settled: serve more requests (BENCH_MEMORY_MAX)"}
    since, last = next(r for r in counted if r["requests"] == first), counted[-1]
    growing = [name for name, (_, cap) in kept.items()
               if last["caches"][name] > since["caches"][name] and not full_or_steady(counted, name, cap)]
    growth = last["rss_mb"] - since["rss_mb"]
    return {"from_requests": since["requests"], "growth_mb": growth, "leak": growth > tolerance, "growing": growing,
            "note": ""}


def at_caps(rows: list[dict[str, Any]], kept: dict[str, tuple[Callable[[], int], int | None]]) -> dict[str, Any]:
    """Each data cache's MB at its cap, and the RSS of the last checkpoint plus what the caches not yet at their caps
    would add: the plateau of a process that has run long enough (days: the kept answers' keys hold the day). A
    cache emptied on reaching its cap: the most bytes an entry took, times the cap; one that grew since the first
    request: its MB now and, for each entry to come, the bytes of those added since; one that did not: the bytes of
    an entry now, times the cap."""
    counted, last = [r for r in rows if r["requests"]], rows[-1]
    base = counted[0]  # after the first request's entries (e.g. every region's facts in one)
    mb: dict[str, float] = {}
    for name in last["cache_mb"]:
        cap, entries, now = kept[name][1] or last["caches"][name], last["caches"][name], last["cache_mb"][name]
        sizes = [r["caches"][name] for r in counted]
        if sizes != sorted(sizes):
            per_entry = max((r["cache_mb"][name] / r["caches"][name] for r in counted if r["caches"][name]), default=0.0)
            mb[name] = max(now, per_entry * cap)
        elif entries > base["caches"][name]:
            mb[name] = now + (now - base["cache_mb"][name]) / (entries - base["caches"][name]) * max(0, cap - entries)
        else:
            mb[name] = now / entries * cap if entries else 0.0
    more = sum(max(0.0, mb[name] - last["cache_mb"][name]) for name in mb)
    return {"cache_mb": mb, "rss_mb": last["rss_mb"] + more}


def print_header(kept: dict[str, tuple[Callable[[], int], int | None]]) -> None:
    print(f"{'':<14}{'requests':>9}{'tasks':>7}{'RSS MB':>8}{'HWM MB':>8}{'growth':>8}{'blocks k':>9}{'data MB':>8}"
          + "".join(f"{n:>12}" for n in kept), flush=True)


def print_row(r: dict[str, Any]) -> None:
    growth = f"{r['growth_mb']:>8.1f}" if r["phase"] != "before Django" else f"{'':>8}"
    print(f"{r['phase']:<14}{r['requests']:>9}{r['tasks_seen']:>7}{r['rss_mb']:>8.1f}{r['hwm_mb']:>8.1f}{growth}"
          f"{r['blocks_k']:>9.0f}{sum(r['cache_mb'].values()):>8.1f}" + "".join(f"{size:>12,}" for size in r["caches"].values()), flush=True)


def report(rows: list[dict[str, Any]], kept: dict[str, tuple[Callable[[], int], int | None]], plateau: dict[str, Any],
           statuses: dict[str, int], failures: list[str], seconds: float) -> None:
    print(f"{'caps':<14}{'':>57}" + "".join(f"{cap:>12,}" if cap else f"{'-':>12}" for _, cap in kept.values()))
    print(f"{rows[-1]['requests']:,} requests in {seconds:.0f} s; HTTP {dict(sorted(statuses.items()))}")
    capped = at_caps(rows, kept)
    print("data caches at their caps (bytes per entry as measured): " + ", ".join(
        f"{name} {mb:.1f} MB ({kept[name][1]:,})" for name, mb in capped["cache_mb"].items())
        + f"; so at most about {capped['rss_mb']:.0f} MB once every one is full")
    for failure in failures:
        print(f"  server error: {failure}")
    if plateau["from_requests"] is None:
        print(f"{plateau['note']}; still growing: {', '.join(plateau['growing']) or '-'}")
    elif plateau["leak"]:
        print(f"LEAK? RSS grew {plateau['growth_mb']:.1f} MB after every cache was full or steady "
              f"(from request {plateau['from_requests']:,}); still growing: {', '.join(plateau['growing']) or 'no known cache'}")
    else:
        print(f"plateau: from request {plateau['from_requests']:,} (every cache full or steady) the RSS moved "
              f"{plateau['growth_mb']:+.1f} MB; at the end {rows[-1]['rss_mb']:.0f} MB, {rows[-1]['growth_mb']:.0f} MB over the start")


if __name__ == "__main__":
    run_script(main, child)
