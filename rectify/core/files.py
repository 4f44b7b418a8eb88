"""Evidence uploads: the type is read from the content's first bytes, never from the name."""
from __future__ import annotations

import hashlib
import zipfile
from typing import IO, TYPE_CHECKING, Any

from rectify.core.refusals import Refused

if TYPE_CHECKING:
    from django.http import FileResponse

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
ALLOWED_LABEL = "PDF、Word（docx）、Excel（xlsx）、JPG、PNG"


class EvidenceRefused(Refused, ValueError):
    """An evidence file the rules refuse (type, size, content)."""


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


# ---------------------------------------------------------------- serving stored files

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
INERT = "application/octet-stream"
# Extensions a browser or the desktop would run or render as a page: never kept on a download
# whose content is not one of the allowed kinds.
ACTIVE_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml", ".mht", ".mhtml", ".svg", ".svgz", ".xml", ".xsl", ".xslt",
                   ".js", ".mjs", ".hta", ".swf", ".pdfx"}


def served_type(stream: Any) -> tuple[str, str | None]:
    """The content type to serve a stored file with, from its content alone: one of the allowed
    kinds (pdf, docx, xlsx, jpg, png) or ``application/octet-stream`` for anything else — HTML,
    SVG, XML and script included — whatever name or type the uploader gave."""
    kind = detect_kind(stream)
    return (CONTENT_TYPES[kind], kind) if kind else (INERT, None)


def download_name(name: str, kind: str | None) -> str:
    """The name offered for saving: the uploader's, with the detected kind's extension when the
    name claims another one, and never an active extension on unknown content."""
    import posixpath

    stem, suffix = posixpath.splitext(name or "文件")
    if kind is not None:
        wanted = ".jpg" if kind == "jpg" else f".{kind}"
        same = suffix.lower() in ({".jpg", ".jpeg"} if kind == "jpg" else {wanted})
        return name if same else f"{stem}{suffix}{wanted}"
    if suffix.lower() in ACTIVE_SUFFIXES:
        return f"{stem}{suffix}.bin"
    return name or "文件"


def serve_file(field_file: Any, name: str, *, inline_images: bool = False) -> FileResponse:
    """The one way a stored upload (evidence, signatures) leaves the server: the type detected from
    the content (active content as ``application/octet-stream``), as an attachment (PNG/JPG
    inline only where ``inline_images``), with ``X-Content-Type-Options: nosniff``."""
    from django.http import FileResponse

    handle = field_file.open("rb")
    content_type, kind = served_type(handle)
    inline = inline_images and kind in {"png", "jpg"}
    response = FileResponse(handle, as_attachment=not inline, filename=download_name(name, kind), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
