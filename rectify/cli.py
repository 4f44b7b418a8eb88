"""The ``rectify`` console command.

    rectify serve [ADDR:PORT]     migrate, then run the web server (and the background worker)
    rectify demo                  load regions and the demo dataset
    rectify parse FILE --json     read a plan document and print its structure (no database)
    rectify import FILE...        import plan documents into the ledger
    rectify audit verify          check every hash chain of the change history and the root digests
    rectify generate --tasks N [--reports-per-task R] [--seed S]
                                  fill an EMPTY database with national-scale generated data
    rectify backup DEST           database and uploaded files in one archive (DEST: a file or a folder)
    rectify restore SRC [--force] restore an archive into an empty database, then verify the audit
                                  chain, every evidence file's SHA-256 and the row counts
    rectify manage ARGS...        any Django management command
"""
from __future__ import annotations

import os
import sys


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rectify manage", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = args[0], args[1:]
    if command == "parse":
        from ingest.cli import main as ingest_main

        return ingest_main(["parse", *rest])
    if command == "serve":
        _django(["migrate", "--no-input", "-v", "0"])
        return _django(["serve", *rest])
    if command == "demo":
        return _django(["demo", *rest])
    if command == "import":
        return _django(["import_documents", *rest])
    if command == "audit" and rest[:1] == ["verify"]:
        return _django(["audit_verify", *rest[1:]])
    if command == "generate":
        return _django(["generate", *rest])
    if command in {"backup", "restore"}:
        return _django([command, *rest])
    if command == "manage":
        return _django(rest)
    print(f"未知命令：{command}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
