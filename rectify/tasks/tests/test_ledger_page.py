"""The ledger page is a Jinja2 page (``tasks/jinja2/tasks/ledger.html`` over ``layout.html``) and every page's
chrome is one set of Jinja2 templates (``core/jinja2/chrome/``) that Django's ``base.html`` draws too. What a
second engine could silently break: escaping (a task's title, a unit's name, a saved filter's name, a message),
the messages shown once after a redirect, the nav's active link and its links asked of ``can``, and the CSRF
tokens of the page's POST forms."""
from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import include, path, reverse

from conftest import PASSWORD
from rectify.core.models import SavedFilter
from rectify.regions.models import Unit
from rectify.tasks.models import Assignment

pytestmark = pytest.mark.django_db

NASTY = "<script>alert('x')</script>&\"引号\""
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;引号&quot;"  # as Django escapes it


def ledger(client: Client, **query: str) -> str:
    response = client.get(reverse("tasks:ledger"), query)
    assert response.status_code == 200
    return response.content.decode()


def header(html: str) -> str:
    match = re.search(r'<header class="topbar">.*?</header>', html, re.S)
    assert match, "no top bar"
    return match.group(0)


def test_a_title_and_a_unit_name_are_escaped(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    unit = Unit.objects.create(name=f"单位{NASTY}", region=world.county)
    make_task(title=f"标题{NASTY}", units={Assignment.Role.RESPONSIBLE: [unit]})
    html = ledger(login(world.admin))
    assert f"标题{ESCAPED}" in html and f'<span class="unit">单位{ESCAPED}</span>' in html
    assert "<script>alert" not in html
    searched = ledger(login(world.admin), q="<script>")  # the search box's value
    assert 'value="&lt;script&gt;"' in searched and "<script>alert" not in searched


def test_the_users_unit_in_the_top_bar_is_escaped(world: SimpleNamespace, login: Any) -> None:
    Unit.objects.filter(pk=world.unit_city_office.pk).update(name=f"市整改办{NASTY}")
    for url in (reverse("tasks:ledger"), reverse("inspections:list")):  # Jinja2's page and Django's
        html = login(world.city_office).get(url).content.decode()
        assert f"市整改办{ESCAPED}</span>" in header(html) and "<script>alert" not in html


def test_a_saved_filters_name_and_query_are_escaped(world: SimpleNamespace, login: Any) -> None:
    saved = SavedFilter.objects.create(user=world.city_office, name=f"筛选{NASTY}", query="q=<b>")
    html = ledger(login(world.city_office))
    assert f'<a href="?q=&lt;b&gt;">筛选{ESCAPED}</a>' in html
    assert f'title="删除“筛选{ESCAPED}”" aria-label="删除筛选{ESCAPED}"' in html
    assert f'action="{reverse("tasks:delete_filter", args=[saved.pk])}"' in html
    assert "<script>alert" not in html


def test_a_message_is_shown_once_after_the_redirect(world: SimpleNamespace, login: Any) -> None:
    client = login(world.city_office)
    response = client.post(reverse("tasks:save_filter"), {"name": "我的<筛选>", "query": "state=in_progress"}, follow=True)
    assert response.redirect_chain == [(reverse("tasks:ledger") + "?state=in_progress", 302)]
    html = response.content.decode()
    assert '<div class="messages">' in html
    assert '<div class="alert alert-success" role="status">已保存筛选“我的&lt;筛选&gt;”</div>' in html
    assert '<div class="messages">' not in ledger(client)  # shown once
    refused = client.post(reverse("tasks:save_filter"), {"name": "", "query": ""}, follow=True).content.decode()
    assert '<div class="alert alert-error" role="status">请为筛选条件起一个名称</div>' in refused


def test_a_message_is_shown_by_a_django_page_after_the_ledger_added_it(world: SimpleNamespace, login: Any) -> None:
    client = login(world.city_office)
    saved = SavedFilter.objects.create(user=world.city_office, name="本月", query="")
    client.post(reverse("tasks:delete_filter", args=[saved.pk]))
    html = client.get(reverse("inspections:list")).content.decode()
    assert '<div class="alert alert-success" role="status">已删除筛选“本月”</div>' in html


def test_the_active_link_is_the_pages_own(world: SimpleNamespace, login: Any) -> None:
    client = login(world.city_office)
    on_ledger, on_inspections = ledger(client), client.get(reverse("inspections:list")).content.decode()
    assert f'<a href="{reverse("tasks:ledger")}" class="active">整改台账</a>' in header(on_ledger)
    assert header(on_ledger).count('class="active"') == 1
    assert f'<a href="{reverse("inspections:list")}" class="active">督察</a>' in header(on_inspections)
    assert header(on_inspections).count('class="active"') == 1
    # One top bar: the Jinja2 page's and a Django page's differ only in the link marked active (and the CSRF
    # token's mask, new on each page).
    def unmarked(html: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", header(html).replace(' class="active"', " "))

    assert unmarked(on_ledger) == unmarked(on_inspections)


def test_the_links_of_the_nav_depend_on_the_role(world: SimpleNamespace, login: Any) -> None:
    admin_links = ("导入方案", "后台任务", "系统管理", "节假日日历")
    for url in (reverse("tasks:ledger"), reverse("inspections:list")):
        admin, unit = (header(login(u).get(url).content.decode()) for u in (world.admin, world.county_unit))
        assert all(f">{text}</a>" in admin for text in admin_links), url
        assert not any(f">{text}</a>" in unit for text in admin_links), url
        assert ">整改台账</a>" in unit and ">退出</button>" in unit and "区生态环境分局" in unit


def test_the_nav_asks_the_permission_table(world: SimpleNamespace, login: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table's ``can`` as accounts registered it with core.hooks (``AccountsConfig.ready``), here refusing one action."""
    from rectify.accounts.permissions import can
    from rectify.core import hooks

    monkeypatch.setattr(hooks, "_permission_check", [lambda user, action, obj=None: action != "system.holidays" and can(user, action, obj)])
    for url in (reverse("tasks:ledger"), reverse("inspections:list")):
        shown = header(login(world.admin).get(url).content.decode())
        assert ">后台任务</a>" in shown and ">节假日日历</a>" not in shown, url


def test_the_save_filter_form_carries_a_csrf_token_that_is_accepted(world: SimpleNamespace) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=world.city_office.username, password=PASSWORD)
    html = ledger(client, state="in_progress")
    form = re.search(r'<form method="post" action="/ledger/filters/save/" class="save-filter">(.*?)</form>', html, re.S)
    assert form, "no save-filter form"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1))
    assert token, "no CSRF token in the save-filter form"
    query = re.search(r'name="query" value="([^"]*)"', form.group(1))
    assert query and query.group(1) == "state=in_progress"
    assert client.post(reverse("tasks:save_filter"), {"name": "进行中", "query": query.group(1)}).status_code == 403
    response = client.post(reverse("tasks:save_filter"), {"name": "进行中", "query": query.group(1),
                                                          "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert SavedFilter.objects.filter(user=world.city_office, name="进行中", query="state=in_progress").exists()
    # The saved filter's delete form and the top bar's logout form carry a token too.
    html = ledger(client)
    assert re.search(r'class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="[^"]+"><button class="chip-x"', html)
    assert re.search(r'action="/accounts/logout/" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">', html)
    # One token masked for the page (core.context_processors.csrf_input_once), as Django's templates do.
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) == 3 and len(set(tokens)) == 1
    logout = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": tokens[-1]})
    assert logout.status_code == 302


def test_the_paginator_in_both_modes(world: SimpleNamespace, make_task: Any, login: Any, settings: Any) -> None:
    settings.LEDGER_PAGE_SIZE = 2
    for n in range(5):
        make_task(title=f"污水{n}")
    counted = ledger(login(world.admin), page="2", state="assigned")
    assert '<nav class="pagination" aria-label="分页" data-paginator>' in counted
    assert "<span>第 2 / 3 页，共 5 条</span>" in counted
    assert '<a class="btn" href="?page=3&amp;state=assigned" rel="next">下一页</a>' in counted
    assert '<a class="btn" href="?page=1&amp;state=assigned" rel="prev">上一页</a>' in counted
    settings.LEDGER_COUNT_LATER_ROWS = 1  # the counts of a filtered page come later: the countless paginator
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the administrator's scope is PostgreSQL's estimate of the table's rows
            cursor.execute("ANALYZE tasks_task")
    countless = ledger(login(world.admin), page="2", q="污水")
    assert "<span>第 2 页</span>" in countless and "末页" not in countless
    assert 'data-deferred-src="/ledger/counts/?q=%E6%B1%A1%E6%B0%B4"' in countless
    assert '<p class="muted result-count">第 2 页（任务数见上方“全部”）</p>' in countless


@pytest.mark.parametrize("moment", ["2026-01-05T08:03:00+00:00", "2026-12-31T16:59:59+00:00", "2026-10-10T00:00:00+08:00"])
def test_the_footers_time_is_djangos(moment: str) -> None:
    """``now`` formats the footer's time without Django's formatter (90 µs), as Django's ``{% now %}`` prints it."""
    import datetime

    from django.template import defaultfilters
    from django.utils import timezone

    from rectify.core import jinja

    value = timezone.localtime(datetime.datetime.fromisoformat(moment))
    assert jinja.date(value, "Y年n月j日 H:i") == defaultfilters.date(value, "Y年n月j日 H:i")


def test_a_url_reversed_once_follows_the_url_configuration(settings: Any) -> None:
    from rectify.core import jinja

    assert jinja.url("tasks:ledger") == jinja.url("tasks:ledger") == reverse("tasks:ledger")
    assert jinja.url("tasks:delete_filter", 7) == reverse("tasks:delete_filter", args=[7])
    settings.ROOT_URLCONF = __name__  # urlpatterns below: the site under /moved/
    assert jinja.url("tasks:ledger") == reverse("tasks:ledger") == "/moved/ledger/"


urlpatterns = [path("moved/", include("rectify.urls"))]
