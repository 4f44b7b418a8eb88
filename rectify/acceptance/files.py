"""Evidence uploads: the type is read from the content's first bytes, never from the name."""
from __future__ import annotations

import hashlib
import zipfile
from typing import IO, Any

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
ALLOWED_LABEL = "PDF、Word（docx）、Excel（xlsx）、JPG、PNG"


class EvidenceRefused(ValueError):
    pass


def _zip_kind(stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def detect_kind(upload: Any) -> str | None:
    """pdf, docx, xlsx, jpg or png from the magic bytes; None for anything else."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    kind: str | None = None
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpg"
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(upload)
    upload.seek(0)
    return kind


def sha256_of(upload: Any) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload: Any) -> str:
    """The detected kind of an acceptable upload, or EvidenceRefused with a Chinese message."""
    name = getattr(upload, "name", "文件")
    if upload.size > MAX_EVIDENCE_BYTES:
        raise EvidenceRefused(f"文件“{name}”超过 20 MB，请压缩或拆分后上传。")
    if upload.size == 0:
        raise EvidenceRefused(f"文件“{name}”是空文件。")
    kind = detect_kind(upload)
    if kind is None:
        raise EvidenceRefused(f"文件“{name}”的内容不是允许的类型（只接受 {ALLOWED_LABEL}），未上传。")
    return kind
