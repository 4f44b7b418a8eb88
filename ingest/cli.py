"""Command line: `python -m ingest parse FILE [--json]`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import IngestError, parse


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ingest", description="读取督察整改文档，输出结构化 JSON")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="解析一个文档")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="输出 JSON（默认输出摘要）")
    args = ap.parse_args(argv)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"无法读取文件：{args.file}（{exc.strerror or exc}）", file=sys.stderr)
        return 2
    try:
        doc = parse(data, args.file.name)
    except IngestError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        _print(doc, args.json)
    except BrokenPipeError:
        sys.stderr.close()
    return 0


def _print(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        print(f"{doc['title']}（{doc['kind']}）：{len(doc['tasks'])} 项任务")
        for t in doc["tasks"]:
            print(f"  {t['seq']:>4} {(t['title'] or t['problem'] or '')[:40]}  {t['deadline'] or ''}")
