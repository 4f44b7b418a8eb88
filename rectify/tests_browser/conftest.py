"""Headless Chromium (Debian's /usr/bin/chromium driven by Playwright) for the tests in this package."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from conftest import PASSWORD

CHROMIUM = os.environ.get("RECTIFY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
needs_chromium = pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"没有找到 {CHROMIUM}：请安装 Debian 的 chromium（.ci/run 会自动安装）")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module; its event loop and DJANGO_ALLOW_ASYNC_UNSAFE end with the module,
    so they never reach other tests (nor the subprocesses they start)."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"没有找到 {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


class Watched:
    """A page with what it did that it should not: dialogs opened, requests to other hosts."""

    def __init__(self, browser: Any, live_server: Any, **context_options: Any) -> None:
        self.context = browser.new_context(locale="zh-CN", **context_options)
        self.page = self.context.new_page()
        self.base = live_server.url
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        host = urlparse(live_server.url).hostname

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message} @ {self.page.url}")
            dialog.dismiss()

        def on_request(request: Any) -> None:
            target = urlparse(request.url).hostname
            if target and target != host:
                self.outside.append(request.url)

        self.page.on("dialog", on_dialog)
        self.page.on("request", on_request)

    def go(self, path: str) -> Any:
        response = self.page.goto(f"{self.base}{path}")
        self.page.wait_for_load_state("load")
        return response

    def log_in(self, username: str) -> None:
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("load")
        assert "/accounts/login/" not in self.page.url, f"{username} 登录失败"

    def submit(self, values: dict[str, Any] | None = None, *, action: str | None = None,
               files: dict[str, tuple[str, str, bytes]] | None = None) -> None:
        """Fill the page's POST form (the one posting to ``action``, else the first in <main>) as a person would, and send it."""
        form = self.page.locator(f'main form[action="{action}"]' if action else 'main form[method="post"]').first
        for name, value in (values or {}).items():
            field = form.locator(f'[name="{name}"]').first
            kind = (field.get_attribute("type") or field.evaluate("e => e.tagName")).lower()
            if kind == "radio":
                form.locator(f'input[name="{name}"][value="{value}"]').check()
            elif kind == "checkbox":
                for box in form.locator(f'input[name="{name}"]').all():
                    box.set_checked(box.get_attribute("value") in value if isinstance(value, list) else bool(value))
            elif kind == "select":
                field.select_option(str(value))
            else:
                field.fill(str(value))
        for name, (filename, mime, content) in (files or {}).items():
            form.locator(f'input[name="{name}"]').set_input_files(files=[{"name": filename, "mimeType": mime, "buffer": content}])
        with self.page.expect_navigation():
            form.locator('button[type="submit"]').first.click()
        self.page.wait_for_load_state("load")

    def text(self) -> str:
        return str(self.page.inner_text("main"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Any]:
    opened: list[Watched] = []

    def make(**context_options: Any) -> Watched:
        watched = Watched(browser, live_server, **context_options)
        opened.append(watched)
        return watched

    yield make
    for watched in opened:
        watched.close()
