"""A large ledger export is built in the background: job, progress, scoped download, expiry.

The threshold (``RECTIFY_EXPORT_BACKGROUND_ROWS``) is lowered here so a handful of tasks is "large".
"""
from __future__ import annotations

import datetime
import io
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rectify.jobs.exports import purge_expired
from rectify.jobs.models import ExportFile, Job
from rectify.jobs.registry import get_periodic
from rectify.tasks.excel import HEADERS, ledger_rows, write_ledger
from rectify.tasks.models import Assignment, Task

from .test_excel import statuses, upload

LEAD, RESP = Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def large(settings: Any) -> None:
    settings.RECTIFY_EXPORT_BACKGROUND_ROWS = 2


def worker_once() -> None:
    call_command("worker", "--once", verbosity=0, stdout=StringIO())


def sheet_dicts(content: bytes) -> list[dict[str, Any]]:
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [dict(zip(HEADERS, row, strict=True)) for row in ws.iter_rows(min_row=3, values_only=True) if any(row)]


def ask(client: Any, query: str = "") -> ExportFile:
    response = client.get(reverse("tasks:export") + query)
    assert response.status_code == 302, response.content[:300]
    export = ExportFile.objects.get()
    assert response["Location"] == reverse("jobs:export", args=[export.uuid])
    return export


def test_a_small_export_is_built_in_the_request(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    tasks = [make_task(problem=f"问题{i}") for i in range(3)]
    response = login(world.city_office).get(reverse("tasks:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert [r["系统编号"] for r in sheet_dicts(response.content)] == [str(t.uuid) for t in tasks]
    assert not ExportFile.objects.exists() and not Job.objects.exists()


def test_a_large_export_runs_as_a_job_with_progress_and_a_download(world: SimpleNamespace, make_task: Any, login: Any,
                                                                   large: None) -> None:
    mine = [make_task(problem=f"晋城问题{i}", seq=str(i)) for i in (1, 2, 10, 3)]
    make_task(plan=world.other_plan, region=world.other_city, problem="太原的问题",
              units={LEAD: [world.unit_other_env], RESP: [world.unit_other_env]})
    client = login(world.city_office)
    export = ask(client)
    assert export.status == ExportFile.Status.QUEUED and export.total == 4 and export.user == world.city_office

    page = client.get(reverse("jobs:export", args=[export.uuid]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "rectify/js/export-progress.js" in html and 'data-export-status="' in html and "<progress" in html
    state = client.get(reverse("jobs:export_status", args=[export.uuid])).json()
    assert state == {**state, "status": "queued", "percent": 0, "finished": False, "download": ""}

    worker_once()
    state = client.get(reverse("jobs:export_status", args=[export.uuid])).json()
    assert state["status"] == "done" and state["percent"] == 100 and state["done"] == 4 and state["finished"]
    assert state["download"] == reverse("jobs:export_download", args=[export.uuid])
    page = client.get(reverse("jobs:export", args=[export.uuid])).content.decode()
    assert state["download"] in page and "data-export-status" not in page  # finished: nothing left to poll

    download = client.get(state["download"])
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    rows = sheet_dicts(download.content)
    # Only the city office's tasks, in document order (序号 1, 2, 3, 10), with the columns of the immediate export.
    assert [r["系统编号"] for r in rows] == [str(t.uuid) for t in sorted(mine, key=lambda t: int(t.seq))]
    assert rows[0]["反馈问题"] == "晋城问题1" and rows[0]["整改方案"] == "晋城市整改方案" and rows[0]["责任单位"]
    immediate = write_ledger(Task.objects.filter(pk__in=[t.pk for t in mine]))
    assert rows == sheet_dicts(immediate)

    # The downloaded file imports back: every row found by its 系统编号, nothing to change.
    preview = upload(client, download.content, world)
    assert preview.status_code == 200 and statuses(preview) == {"新增": 0, "修改": 0, "无变化": 4, "错误": 0}


def test_only_the_owner_and_administrators_reach_an_export(world: SimpleNamespace, make_task: Any, login: Any, large: None,
                                                           client: Any) -> None:
    for i in range(3):
        make_task(problem=f"问题{i}")
    export = ask(login(world.city_office))
    worker_once()
    other = login(world.leader)  # sees the same tasks, but did not ask for this file
    for name in ("jobs:export", "jobs:export_status", "jobs:export_download"):
        assert other.get(reverse(name, args=[export.uuid])).status_code == 404
    client.force_login(world.admin)
    assert ExportFile.objects.for_user(world.admin).filter(pk=export.pk).exists()
    assert not ExportFile.objects.for_user(world.leader).exists()
    assert client.get(reverse("jobs:export_download", args=[export.uuid])).status_code in {200, 302}


def test_a_unit_exports_only_its_own_tasks(world: SimpleNamespace, make_task: Any, login: Any, large: None) -> None:
    theirs = [make_task(problem=f"分局的问题{i}") for i in range(3)]  # responsible unit: 区生态环境分局
    for i in range(2):
        make_task(problem=f"别的问题{i}", units={LEAD: [world.unit_city_env], RESP: [world.unit_county_gov]})
    client = login(world.county_unit)
    export = ask(client)
    assert export.total == 3
    worker_once()
    rows = sheet_dicts(client.get(reverse("jobs:export_download", args=[export.uuid])).content)
    assert sorted(r["系统编号"] for r in rows) == sorted(str(t.uuid) for t in theirs)


def test_the_rows_are_those_in_scope_when_asked(world: SimpleNamespace, make_task: Any, login: Any, large: None) -> None:
    first = [make_task(problem=f"问题{i}") for i in range(3)]
    client = login(world.city_office)
    export = ask(client, "?q=问题")
    make_task(problem="导出之后新增的问题")
    first[0].delete()
    worker_once()
    rows = sheet_dicts(client.get(reverse("jobs:export_download", args=[export.uuid])).content)
    assert [r["系统编号"] for r in rows] == [str(t.uuid) for t in first[1:]]  # a deleted task is skipped, a new one not added


def test_expired_files_are_removed(world: SimpleNamespace, make_task: Any, login: Any, large: None, settings: Any) -> None:
    for i in range(3):
        make_task(problem=f"问题{i}")
    client = login(world.city_office)
    export = ask(client)
    worker_once()
    export.refresh_from_db()
    name = export.file.name
    assert name.startswith("exports/") and default_storage.exists(name) and export.size > 0
    assert export.expires_at is not None
    assert purge_expired(timezone.now()) == 0  # not yet
    assert purge_expired(export.expires_at + datetime.timedelta(seconds=1)) == 1
    assert not ExportFile.objects.filter(pk=export.pk).exists() and not default_storage.exists(name)
    assert client.get(reverse("jobs:export_download", args=[export.uuid])).status_code == 404
    assert client.get(reverse("jobs:export", args=[export.uuid])).status_code == 404
    assert get_periodic("jobs.purge_exports") is not None


def test_a_failed_export_says_so(world: SimpleNamespace, make_task: Any, login: Any, large: None) -> None:
    for i in range(3):
        make_task(problem=f"问题{i}")
    client = login(world.city_office)
    export = ask(client)
    ExportFile.objects.filter(pk=export.pk).update(args={"ids": "not a list"})  # the builder cannot read it
    worker_once()
    state = client.get(reverse("jobs:export_status", args=[export.uuid])).json()
    assert state["status"] == "failed" and state["finished"] and not state["download"] and state["error"]
    assert Job.objects.get(pk=export.job_id).status == Job.Status.FAILED


def test_progress_is_reported_per_chunk_and_queries_do_not_grow_with_rows(world: SimpleNamespace, make_task: Any) -> None:
    tasks = [make_task(problem=f"问题{i}") for i in range(7)]
    seen: list[int] = []
    rows = list(ledger_rows([t.pk for t in tasks], chunk_size=3, progress=seen.append))
    assert seen == [3, 6, 7] and len(rows) == 7

    def queries(n: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            write_ledger(Task.objects.filter(pk__in=[t.pk for t in tasks[:n]]))
        return len(captured.captured_queries)

    assert queries(2) == queries(7)
