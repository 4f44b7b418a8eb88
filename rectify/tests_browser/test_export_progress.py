"""In a browser: a large ledger export opens its progress page, the bar fills as the worker builds the
file (the page polls its JSON status with the project's own script), and the download link appears."""
from __future__ import annotations

import io
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from rectify.jobs.models import ExportFile

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def test_clicking_export_shows_progress_then_a_download_link(world: Any, make_task: Any, open_page: Any, settings: Any) -> None:
    settings.RECTIFY_EXPORT_BACKGROUND_ROWS = 2
    tasks = [make_task(problem=f"河道问题{i}") for i in range(3)]
    watched = open_page(accept_downloads=True)
    watched.log_in(world.city_office.username)
    watched.go("/ledger/")
    with watched.page.expect_navigation():
        watched.page.click("text=导出 Excel")
    watched.page.wait_for_load_state("load")
    export = ExportFile.objects.get()
    assert watched.page.url.endswith(f"/jobs/exports/{export.uuid}/")
    assert "排队中" in watched.text() and watched.page.locator("progress").get_attribute("value") == "0"
    link = watched.page.locator("[data-export-link]")
    assert link.is_hidden()

    call_command("worker", "--once", verbosity=0, stdout=StringIO())
    link.wait_for(state="visible", timeout=15000)  # the script polled the status and showed the link
    assert watched.page.locator("progress").evaluate("e => e.value") == 100
    assert "已完成" in watched.text()
    with watched.page.expect_download() as info:
        link.locator("a").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    content = Path(info.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(min_row=3, values_only=True))
    assert sorted(r[-1] for r in rows) == sorted(str(t.uuid) for t in tasks)
    assert watched.dialogs == [] and watched.outside == []


def test_my_exports_follows_the_progress_and_downloads_from_the_list(world: Any, make_task: Any, open_page: Any, settings: Any) -> None:
    """Asked from the ledger, followed on 我的导出 (reached from the navigation): the row's bar moves as the
    export's progress is recorded, and its download link appears when the worker has built the file."""
    settings.RECTIFY_EXPORT_BACKGROUND_ROWS = 2
    tasks = [make_task(problem=f"河道问题{i}") for i in range(4)]
    watched = open_page(accept_downloads=True)
    watched.log_in(world.city_office.username)
    watched.go("/ledger/")
    with watched.page.expect_navigation():
        watched.page.click("text=导出 Excel")
    export = ExportFile.objects.get()
    with watched.page.expect_navigation():
        watched.page.click("header >> text=我的导出")
    watched.page.wait_for_load_state("load")
    assert watched.page.url.endswith("/jobs/exports/")
    row = watched.page.locator(f'tr[data-export-status$="/{export.uuid}/status.json"]')
    assert row.count() == 1 and "排队中" in row.inner_text() and row.locator("progress").get_attribute("value") == "0"
    link = row.locator("[data-export-link]")
    assert link.is_hidden()

    # Half-way, written to the export's row as the job's progress callback writes it after a chunk
    # (a real chunk is 2,000 rows); the page's script picks it up on its next poll.
    ExportFile.objects.filter(pk=export.pk).update(status=ExportFile.Status.RUNNING, done=2)
    watched.page.wait_for_function("e => e.value === 50", arg=row.locator("progress").element_handle(), timeout=15000)
    assert "正在生成：2 / 4 行（50%）" in row.inner_text() and link.is_hidden()

    call_command("worker", "--once", verbosity=0, stdout=StringIO())
    link.wait_for(state="visible", timeout=15000)
    assert row.locator("progress").evaluate("e => e.value") == 100 and "已完成" in row.inner_text()
    with watched.page.expect_download() as info:
        link.locator("a").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True).worksheets[0]
                .iter_rows(min_row=3, values_only=True))
    assert sorted(r[-1] for r in rows) == sorted(str(t.uuid) for t in tasks)
    # Reloaded, the finished row polls no more and offers the file with its size and expiry.
    watched.go("/jobs/exports/")
    assert watched.page.locator("tr[data-export-status]").count() == 0
    assert "已完成" in watched.text() and "下载" in watched.text()
    assert watched.dialogs == [] and watched.outside == []
