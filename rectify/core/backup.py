"""``rectify backup`` / ``rectify restore``: the database and the uploaded files in one archive.

The archive is a gzip'd tar holding

* ``database.pgdump`` (``pg_dump -Fc``) on PostgreSQL, or ``database.sqlite3`` (SQLite's online
  backup API, a consistent copy while the system runs) on SQLite;
* ``files/NAME`` for every file a ``FileField`` of any model refers to (evidence, signatures), read
  through the configured storage, so a backup of an S3 installation holds the objects too;
* ``local/imports/…`` — uploaded plan documents kept beside their import batch (always on local disk);
* ``manifest.json``: the format, the application version, the engine, the applied migrations, the
  row count of every table and the SHA-256 and size of every other member.

A restore checks the archive against its manifest before it touches anything, refuses a database
that already holds data (unless ``force``) or one of the other engine, loads the database, writes the
files back through the storage, then verifies: the history chain (``rectify audit verify``), the
SHA-256 of every stored file whose model records one (evidence), and the row counts of the manifest.
"""
from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from rectify.core.refusals import Refused

FORMAT = "rectify-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024


class BackupRefused(Refused):
    """A backup or restore the rules refuse (a non-empty database, a damaged archive, another engine)."""


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    history_rows: int = 0
    files: int = 0
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)
    pending_migrations: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- what the database holds

def engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in DB_MEMBERS:
        raise BackupRefused(f"不支持备份 {vendor} 数据库，只支持 SQLite 和 PostgreSQL")
    return vendor


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rectify")
    except PackageNotFoundError:
        return "unknown"


def _tables(alias: str) -> set[str]:
    return set(connections[alias].introspection.table_names())


def _models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]


def row_counts(alias: str = "default") -> dict[str, int]:
    """Rows of every table of the project's and Django's models (a table not yet created counts 0)."""
    tables = _tables(alias)
    return {m._meta.label: (m._base_manager.using(alias).count() if m._meta.db_table in tables else 0) for m in _models()}


def holds_data(alias: str = "default") -> list[str]:
    """The project's tables that hold rows (Django's own bookkeeping — content types, permissions — left out,
    and the project's, which the migrations fill in every new database: ``bookkeeping = True``)."""
    counts = row_counts(alias)
    return [label for label, n in counts.items() if n and apps.get_model(label).__module__.startswith("rectify.")
            and not getattr(apps.get_model(label), "bookkeeping", False)]


def applied_migrations(alias: str = "default") -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [(m, f) for m in _models() for f in m._meta.get_fields() if isinstance(f, models.FileField)]


def stored_file_names(alias: str = "default") -> list[str]:
    """Every stored file name a row refers to, each once."""
    tables = _tables(alias)
    names: set[str] = set()
    for model, file_field in file_fields():
        if model._meta.db_table in tables:
            names.update(model._base_manager.using(alias).exclude(**{file_field.name: ""}).values_list(file_field.name, flat=True))
    return sorted(n for n in names if n)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _local_imports() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


# ---------------------------------------------------------------- database dump and load

def _pg_env(alias: str) -> dict[str, str]:
    conf = connections[alias].settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if conf.get(key):
            env[var] = str(conf[key])
    if (conf.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(conf["OPTIONS"]["sslmode"])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupRefused(f"找不到 {name}：请在本机安装 PostgreSQL 客户端（与服务器同一主版本）后再试")
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argument list)
    if done.returncode != 0:
        raise BackupRefused(f"{PurePosixPath(command[0]).name} 执行失败：{done.stderr.strip()[-2000:]}")


@contextmanager
def _pg_snapshot(alias: str) -> Iterator[str | None]:
    """A repeatable-read transaction whose snapshot ``pg_dump --snapshot`` shares: the row counts and
    file names of the manifest are those of the dump, while the system keeps writing."""
    connection = connections[alias]
    if connection.in_atomic_block:  # already inside a transaction: its isolation level cannot change
        yield None
        return
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        yield str(cursor.fetchone()[0])


def _sqlite_contents(path: Path) -> tuple[dict[str, int], list[str]]:
    """Row counts and referenced file names read from the SQLite copy itself."""
    copy = sqlite3.connect(path)
    try:
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

        def quoted(name: str) -> str:
            return '"' + name.replace('"', '""') + '"'

        rows = {m._meta.label: (copy.execute(f"SELECT COUNT(*) FROM {quoted(m._meta.db_table)}").fetchone()[0]  # noqa: S608 (table names from the models)
                                if m._meta.db_table in tables else 0) for m in _models()}
        names: set[str] = set()
        for model, file_field in file_fields():
            if model._meta.db_table in tables:
                column = quoted(str(file_field.column))
                names.update(r[0] for r in copy.execute(f"SELECT {column} FROM {quoted(model._meta.db_table)} WHERE {column} != ''"))  # noqa: S608
        return rows, sorted(n for n in names if n)
    finally:
        copy.close()


def dump_database(path: Path, alias: str = "default") -> tuple[dict[str, int], list[str]]:
    """A consistent copy of the database at ``path`` while the system keeps running; returns the row
    count of every table and the stored file names, as of that copy."""
    connection = connections[alias]
    if engine(alias) == "postgresql":
        with _pg_snapshot(alias) as snapshot:
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(path),
                  *([f"--snapshot={snapshot}"] if snapshot else []), str(connection.settings_dict["NAME"])], _pg_env(alias))
            return row_counts(alias), stored_file_names(alias)
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return _sqlite_contents(path)


def load_database(path: Path, alias: str = "default") -> None:
    """Replace the database's content with the dump at ``path`` (same engine)."""
    connection = connections[alias]
    if engine(alias) == "postgresql":
        connection.close()
        _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", "--dbname", str(connection.settings_dict["NAME"]), str(path)], _pg_env(alias))
        return
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


# ---------------------------------------------------------------- backup

def _default_name() -> str:
    return f"rectify-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"


def _add(archive: tarfile.TarFile, name: str, handle: Any, size: int, members: dict[str, dict[str, Any]]) -> None:
    """Add one member from an open binary stream, hashing it on the way in."""
    digest = hashlib.sha256()

    class Hashing:
        def read(self, n: int = -1) -> bytes:
            data = handle.read(n)
            digest.update(data)
            return bytes(data)

    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, Hashing())
    members[name] = {"sha256": digest.hexdigest(), "size": size}


def backup(dest: Path, alias: str = "default") -> tuple[Path, dict[str, Any]]:
    """Write the archive (to ``dest``, or a dated name inside it when it is a folder); returns its path and manifest."""
    vendor = engine(alias)
    dest = dest / _default_name() if dest.is_dir() else dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    members: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="rectify-backup-") as work:
        db_file = Path(work) / DB_MEMBERS[vendor]
        rows, file_names = dump_database(db_file, alias)
        partial = dest.with_name(f".{dest.name}.partial")
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
                with db_file.open("rb") as handle:
                    _add(archive, DB_MEMBERS[vendor], handle, db_file.stat().st_size, members)
                for name in file_names:
                    with default_storage.open(name, "rb") as handle:
                        _add(archive, f"files/{name}", handle, default_storage.size(name), members)
                local = _local_imports()
                for path in sorted(p for p in local.rglob("*") if p.is_file()) if local.is_dir() else []:
                    with path.open("rb") as handle:
                        _add(archive, f"local/imports/{path.relative_to(local).as_posix()}", handle, path.stat().st_size, members)
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": app_version(),
                    "created_at": timezone.now().isoformat(), "engine": vendor, "database": DB_MEMBERS[vendor],
                    "migrations": applied_migrations(alias), "rows": rows, "members": members,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(timezone.now().timestamp())
                archive.addfile(info, io.BytesIO(data))
            os.replace(partial, dest)
        finally:
            partial.unlink(missing_ok=True)
    return dest, manifest


# ---------------------------------------------------------------- restore

def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def _extract(src: Path, work: Path) -> set[str]:
    """Extract the archive's regular files into ``work``; refuse links, devices and paths leaving it."""
    if not src.is_file():
        raise BackupRefused(f"找不到备份文件：{src}")
    names: set[str] = set()
    try:
        with tarfile.open(src, "r:*") as archive:
            for member in archive:
                if not member.isfile() or not _safe_member(member.name):
                    raise BackupRefused(f"备份文件中有不允许的条目：{member.name}")
                archive.extract(member, work, filter="data")
                names.add(member.name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupRefused(f"不是有效的备份文件（{exc}）") from None
    return names


def _read_manifest(work: Path, names: set[str]) -> dict[str, Any]:
    if MANIFEST not in names:
        raise BackupRefused("备份文件缺少清单 manifest.json，无法确认其完整性")
    try:
        manifest: dict[str, Any] = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupRefused("备份清单 manifest.json 无法读取，备份文件已损坏") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused("这不是本系统的备份文件，或备份格式版本不受支持")
    return manifest


def _unpack(src: Path, work: Path) -> dict[str, Any]:
    """Extract the archive into ``work`` and check every member against the manifest."""
    names = _extract(src, work)
    manifest = _read_manifest(work, names)
    listed = dict(manifest.get("members") or {})
    present = names - {MANIFEST}
    if missing := sorted(set(listed) - present):
        raise BackupRefused(f"备份文件不完整：清单中的 {missing[0]} 等 {len(missing)} 个文件不在备份中")
    if extra := sorted(present - set(listed)):
        raise BackupRefused(f"备份文件被改动：{extra[0]} 等 {len(extra)} 个文件不在清单中")
    for name, expected in sorted(listed.items()):
        if sha256_file(work / name) != expected.get("sha256"):
            raise BackupRefused(f"备份文件已损坏或被改动：{name} 的 SHA-256 与清单不符，已停止恢复，数据库未改动")
    if manifest.get("database") not in listed:
        raise BackupRefused("备份文件中没有数据库")
    return manifest


def _check_target(manifest: dict[str, Any], alias: str, force: bool) -> list[str]:
    """Refusals before anything is written; returns the code's migrations the backup lacks."""
    vendor = engine(alias)
    if manifest.get("engine") != vendor:
        source = ENGINE_NAMES.get(str(manifest.get("engine")), str(manifest.get("engine")))
        raise BackupRefused(f"备份来自 {source} 数据库，当前配置的是 {ENGINE_NAMES[vendor]}：请恢复到同类数据库")
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    if unknown := sorted(set(manifest.get("migrations") or []) - known):
        raise BackupRefused(f"备份来自更新的版本（{manifest.get('app_version')}），含当前程序没有的迁移 {unknown[0]} 等 "
                            f"{len(unknown)} 个：请先升级程序再恢复")
    if not force and (filled := holds_data(alias)):
        raise BackupRefused(f"当前数据库已有数据（{'、'.join(filled[:3])} 等 {len(filled)} 张表），恢复会覆盖它们；"
                            "确需覆盖请加 --force")
    return sorted(known - set(manifest.get("migrations") or []))


def _write_files(work: Path, manifest: dict[str, Any]) -> int:
    written = 0
    for name in sorted(manifest["members"]):
        if name.startswith("files/"):
            stored = name.removeprefix("files/")
            if default_storage.exists(stored):
                default_storage.delete(stored)
            with (work / name).open("rb") as handle:
                saved = default_storage.save(stored, File(handle, name=stored))
            if saved != stored:
                raise BackupRefused(f"文件 {stored} 恢复后名称变为 {saved}，存储拒绝原名")
            written += 1
        elif name.startswith("local/imports/"):
            target = _local_imports() / name.removeprefix("local/imports/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / name, target)
            written += 1
    return written


def hashed_files(alias: str = "default") -> Iterator[tuple[str, str, str]]:
    """(model label, stored name, recorded SHA-256) of every stored file whose model records its hash."""
    tables = _tables(alias)
    for model, file_field in file_fields():
        if "sha256" in {f.name for f in model._meta.get_fields()} and model._meta.db_table in tables:
            name = file_field.name
            for stored, digest in model._base_manager.using(alias).exclude(**{name: ""}).values_list(name, "sha256"):
                yield model._meta.label, stored, digest


def verify_files(alias: str = "default") -> tuple[int, list[str]]:
    """Re-hash every stored file whose model records a SHA-256; returns (files checked, problems)."""
    checked, problems = 0, []
    for label, stored, digest in hashed_files(alias):
        checked += 1
        if not default_storage.exists(stored):
            problems.append(f"{label} 的文件 {stored} 不存在")
            continue
        actual = hashlib.sha256()
        with default_storage.open(stored, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                actual.update(chunk)
        if actual.hexdigest() != digest:
            problems.append(f"{label} 的文件 {stored} 的 SHA-256 与记录不符")
    return checked, problems


def restore(src: Path, *, force: bool = False, alias: str = "default") -> RestoreResult:
    from rectify.core.history import verify_chain

    with tempfile.TemporaryDirectory(prefix="rectify-restore-") as tmp:
        work = Path(tmp)
        manifest = _unpack(src, work)
        pending = _check_target(manifest, alias, force)
        load_database(work / manifest["database"], alias)
        result = RestoreResult(manifest=manifest, pending_migrations=pending)
        result.files = _write_files(work, manifest)
    result.history_rows, chain_problems = verify_chain()
    result.problems.extend(chain_problems)
    result.files_checked, file_problems = verify_files(alias)
    result.problems.extend(file_problems)
    counts = row_counts(alias)
    for label, expected in sorted((manifest.get("rows") or {}).items()):
        if label in counts and counts[label] != expected:
            result.problems.append(f"{label} 恢复后 {counts[label]} 行，备份时 {expected} 行")
    return result


def describe(manifest: dict[str, Any]) -> str:
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    files = sum(1 for n in manifest["members"] if not n.startswith("database."))
    return (f"{ENGINE_NAMES.get(manifest['engine'], manifest['engine'])} 备份，版本 {manifest['app_version']}，"
            f"{timezone.localtime(created):%Y-%m-%d %H:%M:%S}，{sum(manifest['rows'].values())} 行，{files} 个文件")
