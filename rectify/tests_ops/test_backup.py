"""``rectify backup`` / ``rectify restore``: a round trip through the real commands on the configured
engine (SQLite by default, PostgreSQL under ``make test-postgres``), with the archive, the evidence
files and the database checked after the restore."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from conftest import png_bytes
from rectify import cli
from rectify.core.backup import MANIFEST, row_counts, verify_files
from rectify.core.history import verify_chain
from rectify.dispatch.models import EvidenceFile

pytestmark = pytest.mark.django_db(transaction=True)


def rewrite(archive: Path, out: Path, change: dict[str, bytes], *, fix_manifest: bool) -> None:
    """Copy the archive with some members' bytes replaced (and the manifest's hashes updated when asked)."""
    with tarfile.open(archive, "r:gz") as src:
        members = {m.name: src.extractfile(m).read() for m in src.getmembers()}  # type: ignore[union-attr]
    members.update(change)
    if fix_manifest:
        manifest = json.loads(members[MANIFEST])
        for name, data in change.items():
            manifest["members"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        members[MANIFEST] = json.dumps(manifest).encode()
    with tarfile.open(out, "w:gz") as dst:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def test_round_trip_restores_database_and_evidence(loop_data: Any, world: Any, login: Any, tmp_path: Path,
                                                   media_root: Path, capsys: Any) -> None:
    before = row_counts()
    evidence = {str(e.file.name): e.sha256 for e in EvidenceFile.objects.all()}
    assert len(evidence) == 3 and before["core.ChangeRecord"] > 5 and before["dispatch.ProgressReport"] == 2

    archive = tmp_path / "backups" / "rectify.tar.gz"
    assert cli.main(["backup", str(archive)]) == 0
    assert "已备份到" in capsys.readouterr().out
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    assert {f"files/{n}" for n in evidence} <= names and manifest["rows"] == before
    assert manifest["engine"] in {"sqlite", "postgresql"} and manifest["app_version"] and manifest["migrations"]
    assert any(m.startswith("dispatch.") for m in manifest["migrations"])
    for name, meta in manifest["members"].items():
        with tarfile.open(archive) as tar:
            assert hashlib.sha256(tar.extractfile(name).read()).hexdigest() == meta["sha256"]  # type: ignore[union-attr]

    # A database that holds data is refused without --force, and nothing changes.
    with pytest.raises(CommandError, match="当前数据库已有数据.*--force"):
        call_command("restore", str(archive))
    # A damaged archive is refused before anything is touched.
    first = sorted(evidence)[0]
    damaged = tmp_path / "damaged.tar.gz"
    rewrite(archive, damaged, {f"files/{first}": b"%PDF-1.4 forged"}, fix_manifest=False)
    with pytest.raises(CommandError, match="SHA-256 与清单不符"):
        call_command("restore", str(damaged), force=True)
    assert row_counts() == before

    # Wipe: every row and every file.
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media_root)
    assert row_counts()["core.ChangeRecord"] == 0 and not default_storage.exists(first)

    call_command("restore", str(archive))
    out = capsys.readouterr().out
    assert "校验通过" in out and f"{len(evidence)} 个佐证材料" in out
    assert row_counts() == before
    count, problems = verify_chain()
    assert problems == [] and count == before["core.ChangeRecord"]
    assert verify_files() == (3, [])
    for name, digest in evidence.items():
        with default_storage.open(name, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest
    # The restored system serves the file and the pages.
    office = login(world.city_office)
    png = EvidenceFile.objects.filter(original_name="现场照片.png").get()
    response = office.get(reverse("dispatch:download", args=[png.uuid]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == png_bytes()
    assert office.get(reverse("tasks:detail", args=[loop_data[0].uuid])).status_code == 200

    # --force overwrites a database holding data.
    call_command("restore", str(archive), force=True)
    assert row_counts() == before


def test_restore_reports_evidence_that_does_not_match_its_record(loop_data: Any, tmp_path: Path) -> None:
    """An archive whose manifest was rewritten to match a changed file passes the archive check, but
    the file no longer matches the SHA-256 the database recorded at upload: the restore says so."""
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive))
    name = str(EvidenceFile.objects.filter(original_name="现场照片.png").get().file.name)
    forged = tmp_path / "forged.tar.gz"
    rewrite(archive, forged, {f"files/{name}": png_bytes() + b"forged"}, fix_manifest=True)
    with pytest.raises(CommandError, match="恢复后校验失败"):
        call_command("restore", str(forged), force=True)
    checked, problems = verify_files()
    assert checked == 3 and len(problems) == 1 and name in problems[0]


def test_backup_into_a_folder_and_refusals(loop_data: Any, tmp_path: Path) -> None:
    folder = tmp_path / "nightly"
    folder.mkdir()
    call_command("backup", str(folder))
    [archive] = list(folder.glob("rectify-backup-*.tar.gz"))
    assert not list(folder.glob(".*partial"))
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "none.tar.gz"))
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="不是有效的备份文件"):
        call_command("restore", str(tmp_path / "junk.tar.gz"))
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    manifest["migrations"].append("dispatch.9999_from_the_future")
    rewrite(archive, newer, {MANIFEST: json.dumps(manifest).encode()}, fix_manifest=False)
    with pytest.raises(CommandError, match="备份来自更新的版本"):
        call_command("restore", str(newer), force=True)
    other = tmp_path / "other.tar.gz"
    manifest["migrations"].pop()
    manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
    rewrite(archive, other, {MANIFEST: json.dumps(manifest).encode()}, fix_manifest=False)
    with pytest.raises(CommandError, match="请恢复到同类数据库"):
        call_command("restore", str(other), force=True)
