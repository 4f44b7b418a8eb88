from __future__ import annotations

import io
import os
import shutil
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ingest
from ingest.cli import main
from ingest.tests.conftest import PLAN_TEXT, UNRELATED_TEXT


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\n\n"])
def test_empty_files(data):
    with pytest.raises(ingest.IngestError) as err:
        ingest.parse(data, "x.txt")
    assert err.value.message == "文件为空"


def test_random_binary():
    with pytest.raises(ingest.IngestError) as err:
        ingest.parse(os.urandom(4096) + b"\x00" * 10, "x.bin")
    assert "无法识别的文件格式" in err.value.message


def test_truncated_docx():
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("整改方案")
    buf = io.BytesIO()
    d.save(buf)
    with pytest.raises(ingest.IngestError) as err:
        ingest.parse(buf.getvalue()[: len(buf.getvalue()) // 2], "x.docx")
    assert "损坏" in err.value.message


def test_zip_without_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ingest.IngestError):
        ingest.parse(buf.getvalue(), "x.docx")


def test_unrelated_text():
    with pytest.raises(ingest.IngestError) as err:
        ingest.parse(UNRELATED_TEXT.encode("utf-8"), "menu.txt")
    assert "未能在文档中识别出整改任务" in err.value.message


def test_huge_file(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_BYTES", 1000)
    with pytest.raises(ingest.IngestError) as err:
        ingest.parse(b"a" * 1001, "big.txt")
    assert "过大" in err.value.message


def test_legacy_doc_needs_libreoffice(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(ingest.IngestError) as err:
        ingest.parse(ole, "old.doc")
    assert "LibreOffice" in err.value.message


def test_cli_json_and_error(tmp_path, capsys):
    good = tmp_path / "plan.txt"
    good.write_bytes(PLAN_TEXT.encode("gbk"))
    assert main(["parse", str(good), "--json"]) == 0
    assert '"seq": "1"' in capsys.readouterr().out
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    assert main(["parse", str(bad), "--json"]) == 2
    assert "文件为空" in capsys.readouterr().err


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    buf = bytearray(data)
    for pos, value in edits:
        if buf:
            buf[pos % len(buf)] = value
    return bytes(buf)


SAMPLE = PLAN_TEXT.encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=30).map(lambda e: _mutate(SAMPLE, e)),
        st.integers(0, len(SAMPLE)).map(lambda n: SAMPLE[:n]),
    ),
    st.sampled_from(["x.txt", "x.docx", "x.pdf", "x.html", "x.xlsx", "x"]),
)
def test_any_bytes_give_a_dict_or_ingest_error(data, name):
    try:
        result = ingest.parse(data, name)
    except ingest.IngestError as exc:
        assert exc.message
    else:
        assert isinstance(result, dict) and isinstance(result["tasks"], list)
