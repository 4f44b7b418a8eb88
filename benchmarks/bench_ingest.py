"""Parse time of ingest per document, with a bare baseline taken in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--repeat N] [FILES...]

Without FILES the seed documents in ../shared/seeds are used; when they are absent, the
documents composed for the tests are. The baseline is what any reader must do anyway —
decode the bytes and split them into lines — so the ratio shows what structure and field
extraction cost on top of it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ingest  # noqa: E402
from ingest.readers.txt import decode_text  # noqa: E402


def _documents(paths: list[str]) -> list[tuple[str, bytes]]:
    if paths:
        return [(Path(p).name, Path(p).read_bytes()) for p in paths]
    seeds = ROOT / "../shared/seeds"
    if seeds.is_dir():
        return [(p.name, p.read_bytes()) for p in sorted(seeds.iterdir()) if p.is_file()]
    from ingest.tests import conftest

    return [(f"{name.lower()}.txt", getattr(conftest, name).encode("utf-8"))
            for name in ("PLAN_TEXT", "ACTION_TEXT", "REPORT_TEXT", "NOTICE_TEXT")]


def _lines(data: bytes) -> list[str]:
    """The baseline: what any reader must do anyway."""
    return decode_text(data).splitlines()


def _best_of(fn: Callable[[], object], repeat: int) -> float:
    times: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    docs = _documents(args.files)
    ingest.parse(docs[0][1], docs[0][0])  # warm up: imports, OpenCC dictionaries

    print(f"{'document':40s} {'chars':>7s} {'tasks':>5s} {'parse ms':>9s} {'base ms':>8s} {'ratio':>7s}")
    total_parse = total_base = 0.0
    total_chars = 0
    ratios = []
    for name, data in docs:
        try:
            doc = ingest.parse(data, name)
        except ingest.IngestError as exc:
            print(f"{name:40s} error: {exc.message}")
            continue
        chars = len(decode_text(data)) if not data.startswith((b"PK", b"%PDF")) else len(str(doc))
        parse_s = _best_of(partial(ingest.parse, data, name), args.repeat)
        base_s = _best_of(partial(_lines, data), args.repeat)
        ratio = parse_s / base_s if base_s else float("inf")
        ratios.append(ratio)
        total_parse += parse_s
        total_base += base_s
        total_chars += chars
        print(f"{name[:40]:40s} {chars:7d} {len(doc['tasks']):5d} {parse_s * 1000:9.2f} {base_s * 1000:8.3f} {ratio:6.0f}x")
    if total_parse:
        print("-" * 80)
        print(f"throughput: {len(ratios) / total_parse:.1f} documents/s, {total_chars / total_parse:,.0f} characters/s")
        print(f"baseline (decode + split lines): {total_chars / total_base:,.0f} characters/s")
        print(f"parse / baseline: {total_parse / total_base:.0f}x overall, median {statistics.median(ratios):.0f}x per document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
