"""Plain text in any Chinese encoding."""
from __future__ import annotations

from ..blocks import Block
from ..errors import IngestError
from ..repair import common_char_ratio

CANDIDATE_ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16")


def decode_text(data: bytes) -> str:
    """Decode bytes whose encoding is unknown, preferring the reading richest in common Chinese."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best: tuple[float, str] | None = None
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = common_char_ratio(text)
        if best is None or score > best[0]:
            best = (score, text)
    if best is not None:
        return best[1]
    try:
        from charset_normalizer import from_bytes

        match = from_bytes(data).best()
        detected = str(match) if match is not None else None
    except Exception:  # noqa: BLE001 - detector failures fall through to a lossy decode
        detected = None
    if detected is not None:
        return detected
    text = data.decode("gb18030", errors="replace")
    if text.count("\ufffd") > len(text) * 0.2:
        raise IngestError("无法识别的文件格式：文本编码无法识别")
    return text


def read_txt(data: bytes) -> list[Block]:
    blocks: list[Block] = list(decode_text(data).splitlines())
    return blocks
