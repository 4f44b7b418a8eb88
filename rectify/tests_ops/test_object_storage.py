"""Evidence in S3-compatible object storage (django-storages), against a real local S3 server: moto's
server mode on a free loopback port, configured through the same environment variables as production."""
from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from conftest import pdf_bytes, png_bytes
from rectify.dispatch.models import EvidenceFile
from rectify.settings import _storages

BUCKET = "rectify-evidence"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3(settings: Any) -> Iterator[Any]:
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # the dev extra is not installed
        pytest.skip(f"moto[server] / boto3 未安装，无法启动本地 S3 服务：{exc}")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001 (any failure to start is a reason to skip, stated)
        pytest.skip(f"moto 的 S3 服务无法在 127.0.0.1:{port} 启动：{exc}")
    env = {"RECTIFY_S3_BUCKET": BUCKET, "RECTIFY_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}", "RECTIFY_S3_REGION": "us-east-1",
           "RECTIFY_S3_ACCESS_KEY": "rectify-test", "RECTIFY_S3_SECRET_KEY": "rectify-test-secret", "RECTIFY_S3_PREFIX": "evidence-store"}
    client = boto3.client("s3", endpoint_url=env["RECTIFY_S3_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="rectify-test", aws_secret_access_key="rectify-test-secret")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = _storages(env)
    try:
        yield client
    finally:
        server.stop()


def test_default_is_the_local_file_system() -> None:
    assert _storages({})["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert _storages({"RECTIFY_S3_BUCKET": "b"})["default"]["BACKEND"] == "storages.backends.s3.S3Storage"


@pytest.mark.django_db
def test_evidence_uploaded_through_the_page_lives_in_the_bucket(s3: Any, loop_data: Any, world: Any, login: Any,
                                                                 media_root: Path) -> None:
    assert type(getattr(default_storage, "_wrapped", None)).__name__ == "S3Storage"
    files = list(EvidenceFile.objects.order_by("id"))
    assert len(files) == 3
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {f"evidence-store/{e.file.name}" for e in files}
    for evidence in files:
        body = s3.get_object(Bucket=BUCKET, Key=f"evidence-store/{evidence.file.name}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == evidence.sha256 and len(body) == evidence.size
    assert not (media_root / "evidence").exists()  # nothing written to the local disk

    office = login(world.city_office)
    pdf = next(e for e in files if e.kind == "pdf")
    response = office.get(reverse("dispatch:download", args=[pdf.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert login(world.other_unit).get(reverse("dispatch:download", args=[pdf.uuid])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_with_objects_in_the_bucket(s3: Any, loop_data: Any, tmp_path: Path) -> None:
    archive = tmp_path / "s3.tar.gz"
    call_command("backup", str(archive))
    png = EvidenceFile.objects.filter(original_name="现场照片.png").get()
    s3.delete_object(Bucket=BUCKET, Key=f"evidence-store/{png.file.name}")
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(archive))
    body = s3.get_object(Bucket=BUCKET, Key=f"evidence-store/{png.file.name}")["Body"].read()
    assert body == png_bytes()
