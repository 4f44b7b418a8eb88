"""The seed documents through the evaluation scorer (skipped when ../shared is absent)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import ingest
from ingest.tests.conftest import SHARED


def test_seed_documents_score(seeds_dir: Path, tmp_path: Path):
    score_py = SHARED / "eval" / "score.py"
    truth = SHARED / "eval" / "truth"
    if not score_py.exists() or not truth.is_dir():
        pytest.skip("../shared/eval not present")
    for path in sorted(seeds_dir.iterdir()):
        doc = ingest.parse(path.read_bytes(), path.name)
        (tmp_path / f"{path.stem}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("rectify_score", score_py)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    assert score.main(["--pred", str(tmp_path), "--truth", str(truth), "--min", "0.95"]) == 0


def test_seed_documents_are_deterministic(seeds_dir: Path):
    for path in sorted(seeds_dir.iterdir()):
        data = path.read_bytes()
        assert ingest.parse(data, path.name) == ingest.parse(data, path.name)
        assert ingest.content_hash(data) == ingest.content_hash(data)
