"""The notice list reads what its rows show (the columns, the task's light), not the notices' reports,
and shows the same rows for it: the task's title (from its problem when it has none), its light, the
dates, the units, the issuing region."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rectify.supervision import services
from rectify.supervision.models import SupervisionNotice

pytestmark = pytest.mark.django_db
REPORT = "已召开专题会议部署整改，明确责任人和完成时限"


def test_the_list_reads_its_columns_and_shows_each_row(world: Any, make_task: Any, login: Any) -> None:
    task = make_task(problem="河道两岸存在生活垃圾堆放问题", deadline=datetime.date(2020, 1, 1))
    notice = services.issue_notice(task, world.city_office, units=[world.unit_county_env, world.unit_city_env], reason="整改严重滞后",
                                   today=datetime.date(2026, 1, 5))
    SupervisionNotice.objects.filter(pk=notice.pk).update(arrangement=REPORT, arranged_at=notice.issued_at)
    with CaptureQueriesContext(connection) as queries:
        html = login(world.city_office).get(reverse("supervision:list")).content.decode()
    rows = [q["sql"] for q in queries.captured_queries if 'FROM "supervision_supervisionnotice"' in q["sql"] and "COUNT" not in q["sql"]]
    assert len(rows) == 1
    assert '"arrangement"' not in rows[0] and '"reason"' not in rows[0] and '"search_text"' not in rows[0]
    assert REPORT not in html and f'<a href="{reverse("supervision:detail", args=[notice.uuid])}">{notice.number}</a>' in html
    assert f'<a href="{reverse("tasks:detail", args=[task.uuid])}">{task.seq}. 河道两岸存在生活垃圾堆放问题</a>' in html
    assert '<span class="light light-red" title="已超过整改时限（2020年01月01日）' in html
    assert "<td>市生态环境局、区生态环境分局</td>" in html  # in the units' order (their region's code, their name)
    assert f"<td>{notice.region.full_name} · 2026-01-05</td>" in html
    assert f"<td>{notice.done_by:%Y-%m-%d}</td>" in html
