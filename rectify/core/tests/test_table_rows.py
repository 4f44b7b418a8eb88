"""A list table's rows come from one template per table (``core.tables.Table.row_template``): the same
cells, byte for byte, as django-tables2's own rendering of each cell, on the list pages that have rows."""
from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from django.template import Context, RequestContext, Template
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from rectify.accounts.security import log_personal_data_access
from rectify.jobs.services import run_now
from rectify.supervision import services as supervision

# The table include as it was: every cell rendered apart by django-tables2 (BoundRow.items).
PER_CELL = Template("{% for row in table.rows %}<tr>{% for column, cell in row.items %}"
                    "<td{% if column.attrs.td.as_html %} {{ column.attrs.td.as_html }}{% endif %}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}")
ONE_TEMPLATE = Template("{% load rectify_tables %}{% for row in table.rows %}<tr>{% table_row table row %}</tr>{% endfor %}")


def normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)  # masked anew each time
    return re.sub(r">\s+<", "><", html).strip()


def test_each_list_table_renders_its_rows_as_django_tables2_did(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    task = make_task()
    supervision.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="请加快整改")
    run_now("jobs.purge_finished")
    Client().post(reverse("accounts:login"), {"username": "city_office", "password": PASSWORD}, REMOTE_ADDR="10.9.0.1")
    client = login(world.admin)
    client.get(reverse("tasks:export"))
    log_personal_data_access(client.get("/ledger/").wsgi_request, "台账导出", task)
    pages = ["supervision:list", "jobs:list", "inspections:list", "accounts:login_events", "accounts:data_access_log"]
    for name in pages:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        table = response.context["table"]
        assert len(table.rows) > 0, f"{name}: no rows to compare"
        context: Context = RequestContext(response.wsgi_request, {"table": table})
        table.context = context
        before, after = PER_CELL.render(context), ONE_TEMPLATE.render(context)
        assert normalised(after) == normalised(before), name
        assert "<td" in after, name
