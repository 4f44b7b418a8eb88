"""我的导出 (/jobs/exports/): the signed-in user's own background exports, newest first, with progress,
size, expiry and the download link; nobody else's, administrators' included.

Exports are asked for through the ledger's real export (the threshold lowered so a few tasks are
"large") and built by the real worker.
"""
from __future__ import annotations

import datetime
import re
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rectify.jobs.exports import purge_expired
from rectify.jobs.models import ExportFile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def large(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RECTIFY_EXPORT_BACKGROUND_ROWS = 2
    settings.RECTIFY_EXPORT_KEEP_HOURS = 24


def worker_once() -> None:
    call_command("worker", "--once", verbosity=0, stdout=StringIO())


def ask(client: Any, query: str = "") -> ExportFile:
    before = set(ExportFile.objects.values_list("pk", flat=True))
    response = client.get(reverse("tasks:export") + query)
    assert response.status_code == 302, response.content[:300]
    return ExportFile.objects.exclude(pk__in=before).get()


def rows_of(html: str) -> list[str]:
    """The table rows of the list, as text without tags."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>") if row.strip()]


def test_the_list_shows_my_exports_newest_first_with_progress_size_expiry_and_download(
        world: SimpleNamespace, make_task: Any, login: Any) -> None:
    for i in range(3):
        make_task(problem=f"河道问题{i}")
    client = login(world.city_office)
    first = ask(client)
    worker_once()  # the first one is built; the second stays queued
    second = ask(client, "?q=河道")
    ExportFile.objects.filter(pk=second.pk).update(created_at=timezone.now() + datetime.timedelta(seconds=1))
    first.refresh_from_db()
    assert first.status == ExportFile.Status.DONE and first.size > 0 and first.expires_at is not None

    response = client.get(reverse("jobs:exports"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>我的导出</h1>" in html
    rows = rows_of(html)
    assert len(rows) == 2
    # Newest first: the queued one, with its progress and the retention it will get, and no download yet.
    assert "排队中" in rows[0] and "0 / 3 行（0%）" in rows[0] and "完成后 24 小时" in rows[0]
    queued_row = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert f'data-export-status="{reverse("jobs:export_status", args=[second.uuid])}"' in queued_row
    assert "<progress" in queued_row and "data-export-link hidden" in queued_row
    # The finished one: done, its size, created and expiry times, and the download link that works.
    assert "已完成" in rows[1] and first.created_at.astimezone().strftime("%Y-%m-%d") in rows[1]
    assert timezone.localtime(first.expires_at).strftime("%Y-%m-%d %H:%M") in rows[1]
    assert re.search(r"\d+(\.\d+)?\s*(KB|字节|bytes)", rows[1]), rows[1]
    download = reverse("jobs:export_download", args=[first.uuid])
    assert f'href="{download}"' in html and f'href="{reverse("jobs:export_download", args=[second.uuid])}"' not in html
    assert client.get(download).status_code == 200
    assert "rectify/js/export-progress.js" in html
    # Each title leads to the export's own page, which leads back here.
    assert f'href="{reverse("jobs:export", args=[first.uuid])}"' in html
    assert f'href="{reverse("jobs:exports")}"' in client.get(reverse("jobs:export", args=[first.uuid])).content.decode()


def test_the_navigation_links_to_the_list(world: SimpleNamespace, login: Any) -> None:
    html = login(world.county_unit).get(reverse("tasks:ledger")).content.decode()
    assert f'<a href="{reverse("jobs:exports")}">我的导出</a>' in html


def test_nobody_sees_another_users_exports_not_even_an_administrator_in_the_list(
        world: SimpleNamespace, make_task: Any, login: Any) -> None:
    for i in range(3):
        make_task(problem=f"问题{i}")
    office = login(world.city_office)
    mine = ask(office)
    worker_once()
    mine.refresh_from_db()
    leader = login(world.leader)  # sees the same tasks in the ledger, did not ask for this file
    theirs = ask(leader)
    listed = leader.get(reverse("jobs:exports")).content.decode()
    assert str(theirs.uuid) in listed and str(mine.uuid) not in listed
    assert len(rows_of(listed)) == 1
    for name in ("jobs:export", "jobs:export_status", "jobs:export_download"):
        assert leader.get(reverse(name, args=[mine.uuid])).status_code == 404
    # An administrator may open anyone's export by its address, but the list is theirs alone.
    admin = login(world.admin)
    assert admin.get(reverse("jobs:export", args=[mine.uuid])).status_code == 200
    assert "您还没有后台生成的导出文件" in admin.get(reverse("jobs:exports")).content.decode()
    # Anonymous: to the login page.
    from django.test import Client

    response = Client().get(reverse("jobs:exports"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_expired_exports_are_gone_and_failed_ones_say_so(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    for i in range(3):
        make_task(problem=f"问题{i}")
    client = login(world.city_office)
    expired = ask(client)
    worker_once()
    expired.refresh_from_db()
    assert expired.expires_at is not None
    assert purge_expired(expired.expires_at + datetime.timedelta(seconds=1)) == 1
    failed = ask(client)
    ExportFile.objects.filter(pk=failed.pk).update(args={"ids": "not a list"})  # the builder cannot read it
    worker_once()
    html = client.get(reverse("jobs:exports")).content.decode()
    rows = rows_of(html)
    assert len(rows) == 1  # the expired one is gone, row and file
    assert "失败" in rows[0] and "生成文件时出错" in rows[0]
    assert str(expired.uuid) not in html
    assert "export_download" not in html and "/download/" not in html and "data-export-status" not in html


def test_the_list_is_paginated_with_the_shared_paginator(world: SimpleNamespace, login: Any,
                                                         django_assert_max_num_queries: Any) -> None:
    now = timezone.now()
    ExportFile.objects.bulk_create([
        ExportFile(user=world.city_office, kind="tasks.ledger", title=f"整改台账导出{i:02d}", filename=f"台账{i:02d}.xlsx",
                   total=10, created_at=now - datetime.timedelta(minutes=i))
        for i in range(45)
    ])
    ExportFile.objects.create(user=world.county_unit, kind="tasks.ledger", title="别人的导出", filename="x.xlsx", total=1)
    client = login(world.city_office)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("jobs:exports")).content.decode()
    assert "data-paginator" in first and "第 1 / 3 页，共 45 条" in first
    titles = re.findall(r"(整改台账导出\d\d)</a>", first)
    assert titles == [f"整改台账导出{i:02d}" for i in range(20)]
    last = client.get(reverse("jobs:exports"), {"page": "3"}).content.decode()
    assert re.findall(r"(整改台账导出\d\d)</a>", last) == [f"整改台账导出{i:02d}" for i in range(40, 45)]
    assert "别人的导出" not in first + last
    assert client.get(reverse("jobs:exports"), {"page": "abc"}).status_code == 200


def test_the_periodic_purge_deletes_an_expired_export_row_and_file_and_keeps_a_live_one(
        world: SimpleNamespace, make_task: Any, login: Any, caplog: Any) -> None:
    """On a fixed clock, through the worker's periodic check: the export asked at 09:00 expires at 09:00
    the next day and goes (row and file); the one asked at 20:00 stays, listed and downloadable."""
    import time_machine
    from django.core.files.storage import default_storage

    from conftest import travel_with_fresh_passwords

    for i in range(3):
        make_task(problem=f"问题{i}")
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_current_timezone())
    with travel_with_fresh_passwords(start):  # the accounts were made on the suite's clock
        old = ask(login(world.city_office))
        worker_once()
    with time_machine.travel(start + datetime.timedelta(hours=11), tick=False):
        live = ask(login(world.city_office), "?q=问题")  # a new session: the first one has gone idle
        worker_once()
    old.refresh_from_db()
    live.refresh_from_db()
    assert old.expires_at == start + datetime.timedelta(hours=24) and default_storage.exists(old.file.name)
    assert live.status == ExportFile.Status.DONE and default_storage.exists(live.file.name)

    with time_machine.travel(start + datetime.timedelta(hours=24, minutes=30), tick=False), caplog.at_level("INFO", "rectify.jobs"):
        worker_once()  # the hourly check is due: it runs jobs.purge_exports
        assert "清理了 1 个过期的导出（文件及记录）" in caplog.text
        assert not ExportFile.objects.filter(pk=old.pk).exists() and not default_storage.exists(old.file.name)
        assert ExportFile.objects.filter(pk=live.pk, status=ExportFile.Status.DONE).exists()
        assert default_storage.exists(live.file.name)
        client = login(world.city_office)
        html = client.get(reverse("jobs:exports")).content.decode()
        assert str(old.uuid) not in html and len(rows_of(html)) == 1
        assert f'href="{reverse("jobs:export_download", args=[live.uuid])}"' in html
        assert client.get(reverse("jobs:export", args=[old.uuid])).status_code == 404
        assert purge_expired() == 0  # idempotent: nothing more to do at the same time
    with time_machine.travel(start + datetime.timedelta(hours=35, minutes=30), tick=False):
        worker_once()
        assert not ExportFile.objects.exists() and not default_storage.exists(live.file.name)
