from pathlib import Path

from rectify.tasks.docs import states_markdown


def test_docs_states_matches_the_code():
    path = Path(__file__).resolve().parents[3] / "docs" / "states.md"
    assert path.read_text(encoding="utf-8") == states_markdown(), "docs/states.md is stale: run `rectify manage docs_states > docs/states.md`"
