"""The base template loads no script that no page uses (htmx was loaded on every page and used by none).

A script may be loaded by ``base.html`` only if it is listed in ``MODULES`` with the attribute prefix it
acts on, and some template uses that attribute; every vendored script in ``static/rectify/js`` is loaded
by some template."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "templates" / "base.html"
SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=\"\{% static '([^']+)' %\}\"")
# Scripts base.html may load, each with the attribute prefix it acts on. Empty: no page needs one.
MODULES: dict[str, str] = {"rectify/js/typeahead.js": "data-typeahead"}


def templates() -> list[Path]:
    return [p for p in ROOT.rglob("*.html") if "node_modules" not in p.parts]


def test_base_loads_only_scripts_some_page_uses() -> None:
    loaded = SCRIPT_SRC.findall(BASE.read_text(encoding="utf-8"))
    unknown = [src for src in loaded if src not in MODULES]
    assert unknown == [], f"base.html loads {unknown}; list each in MODULES with the attribute it serves"
    text = "\n".join(p.read_text(encoding="utf-8") for p in templates())
    unused = [src for src in loaded if not re.search(rf"\s{re.escape(MODULES[src])}[\w-]*=", text)]
    assert unused == []


def test_no_page_uses_htmx_attributes_without_htmx() -> None:
    users = [str(p.relative_to(ROOT)) for p in templates() if re.search(r"\shx-[a-z-]+=", p.read_text(encoding="utf-8"))]
    assert users == []


def test_every_vendored_script_is_loaded_by_a_template() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in templates())
    scripts = sorted(p.name for p in (ROOT / "static" / "rectify" / "js").glob("*.js"))
    assert scripts, "no scripts found: the static folder moved"
    assert [name for name in scripts if f"rectify/js/{name}" not in text] == []
