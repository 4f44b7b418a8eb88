"""Production settings pass Django's deployment checks; templates work under the CSP (no inline code)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "k" * 20 + "-production-test-key-" + "x" * 30


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_") and k != "DJANGO_SETTINGS_MODULE"}
    environ.update({"DJANGO_SETTINGS_MODULE": "rectify.settings_production", **env})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)  # noqa: S603 - this interpreter, test-chosen args


def test_check_deploy_is_clean(tmp_path: Path) -> None:
    result = manage("check", "--deploy", RECTIFY_SECRET_KEY=KEY, RECTIFY_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_secret_key_is_required(tmp_path: Path) -> None:
    result = manage("check", RECTIFY_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "RECTIFY_SECRET_KEY" in result.stderr


def test_intranet_behind_tls_proxy(tmp_path: Path) -> None:
    code = ("from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.DEBUG)")
    result = manage("shell", "-c", code, RECTIFY_SECRET_KEY=KEY, RECTIFY_DATA_DIR=str(tmp_path),
                    RECTIFY_BEHIND_TLS_PROXY="1", RECTIFY_SSL_REDIRECT="0")
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "('HTTP_X_FORWARDED_PROTO',", "'https')", "True", "31536000", "False"], result.stderr


# Inline code the CSP (script-src 'self'; style-src 'self') blocks. Data blocks (<script type="application/json">) are fine.
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\sstyle\s*=\s*[\"']", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]
# Found and reported to the owners; remove once fixed.
KNOWN: set[tuple[str, str]] = set()


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "rectify").glob("**/templates/**/*.html")), ids=lambda p: str(p.relative_to(ROOT / "rectify")))
def test_templates_have_no_inline_code(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    rel = str(path.relative_to(ROOT / "rectify"))
    found = [what for pattern, what in INLINE if pattern.search(text) and (rel, what) not in KNOWN]
    assert not found, f"{rel}: {found} — blocked by the Content-Security-Policy; move it to a static .js/.css file"
