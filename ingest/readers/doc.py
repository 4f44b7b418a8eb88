"""Legacy Word .doc (and RTF), converted with LibreOffice when it is installed."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..blocks import Block
from ..errors import IngestError

SOFFICE_TIMEOUT_S = 120


def read_doc(data: bytes, filename: str) -> list[Block]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise IngestError("旧版 Word (.doc) 需要安装 LibreOffice 才能读取，或请另存为 .docx 后再导入")
    with tempfile.TemporaryDirectory(prefix="ingest-doc-") as tmp:
        src = Path(tmp) / "source.doc"
        src.write_bytes(data)
        try:
            subprocess.run(  # noqa: S603 - fixed argv, no shell: LibreOffice found by shutil.which, our own temp paths
                [soffice, "--headless", "--convert-to", "docx", "--outdir", tmp, str(src)],
                capture_output=True, timeout=SOFFICE_TIMEOUT_S, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise IngestError(f"旧版 Word (.doc) 转换失败：{type(exc).__name__}") from None
        out = Path(tmp) / "source.docx"
        if not out.exists():
            raise IngestError("文件已损坏或被截断：LibreOffice 无法转换该 .doc 文件")
        from .docx import read_docx

        return read_docx(out.read_bytes())
