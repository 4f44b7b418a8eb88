"""A task's page is a Jinja2 page (``tasks/jinja2/tasks/task_detail.html`` over ``layout.html``); it prints what
the Django template it replaced printed. That template's pages, one per role that can see a task, are kept in
``detail_pages/`` (rendered by the Django template before it was removed, on the tasks below, with the uuids and
CSRF tokens written as ``{name}``) and compared with the page, whitespace aside; between them they take every
branch of the template (a parent and children, a deadline, long-term, none, its original text, milestones,
measures, empty sections, what each role may do), with markup in every free text. The rest holds for every role
and task: the buttons a role gets, the 404 of a task out of scope, the CSRF tokens of both forms, and a template
that reads nothing from the database. ``RECTIFY_WRITE_DETAIL_PAGES=1`` rewrites the files from the page (for a
change meant to show in their diff)."""
from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PASSWORD
from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Region, Unit
from rectify.tasks import views
from rectify.tasks.decompose import decompose
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).with_name("detail_pages")
NASTY = "<script>alert('x')</script> & \"引号\""
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;引号&quot;"  # as Django escapes it
TASKS = ("parent", "child", "child2", "long_term", "none", "overdue", "started", "late_milestone")
ROLES = ("admin", "province_office", "city_office", "county_office", "leader", "reviewer", "lead_unit", "county_unit")


@pytest.fixture
def users(world: SimpleNamespace) -> dict[str, User]:
    county_office = User.objects.create_user(username="county_office", password=PASSWORD, unit=world.unit_county_gov)
    RoleGrant.objects.create(user=county_office, role=Role.OFFICE, region=world.county)
    return {role: county_office if role == "county_office" else getattr(world, role) for role in ROLES}


@pytest.fixture
def tasks(world: SimpleNamespace, make_task: Any, fixed_clock: Any) -> dict[str, Task]:
    Plan.objects.filter(pk=world.plan.pk).update(title=f"方案{NASTY}")
    Inspection.objects.filter(pk=world.inspection.pk).update(team=f"督察组{NASTY}")
    world.plan.refresh_from_db()
    unit = Unit.objects.create(name=f"单位{NASTY}", region=world.city)
    parent = make_task(
        seq="7", region=world.city, title=f"标题{NASTY}", problem=f"问题{NASTY}\n第二行\r\n第三行", target=f"目标{NASTY}\n二",
        responsible_person=f"张三{NASTY}", deadline=datetime.date(2031, 2, 3), deadline_text=f"原文{NASTY}", feedback_no="<b>&'",
        section=[f"一、{NASTY}", "（二）水"], progress=f"进展{NASTY}\n下一行", completion=f"完成{NASTY}", priority=True,
        measures=[f"措施{NASTY}", "第二条"], milestones=[(datetime.date(2030, 5, 6), f"节点{NASTY}"), (datetime.date(2030, 8, 9), "第二节点")],
        units={Assignment.Role.LEAD: [world.unit_city_env, unit], Assignment.Role.RESPONSIBLE: [world.unit_county_env]},
    )
    child, child2 = decompose(Task.objects.get(pk=parent.pk), "城区：区生态环境分局\n泽州县：泽州县人民政府", reason=f"分解{NASTY}")
    started = make_task(seq="11", milestones=[(None, "无日期节点")])  # alone: SQLite sorts a null date first, PostgreSQL last
    transition_task(started, TaskState.IN_PROGRESS, reason=f"开始{NASTY}")
    late = [(datetime.date(2026, 6, 1), f"过期节点{NASTY}")]
    return {
        "parent": parent, "child": child, "child2": child2, "started": started,
        "long_term": make_task(seq="8", long_term=True, deadline=None, measures=[], problem="", target="长期目标", units={}),
        "none": make_task(seq="9", deadline=None, problem="", target="", measures=[]),
        "overdue": make_task(seq="10", deadline=datetime.date(2020, 1, 1), milestones=late),
        "late_milestone": make_task(seq="12", milestones=late),
    }


def page(client: Client, task: Task) -> str:
    response = client.get(reverse("tasks:detail", args=[task.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def named(html: str, tasks: dict[str, Task]) -> str:
    """The page's title and main part, the tasks' uuids and the CSRF tokens written as ``{name}``."""
    title = re.search(r"<title>.*?</title>", html)
    main = re.search(r'<main class="container">.*?</main>', html, re.S)
    assert title and main
    text = f"{title.group(0)}\n{main.group(0)}\n"
    for name, task in tasks.items():
        text = text.replace(str(task.uuid), f"{{{name}}}")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="{csrf}"', text)


def squeezed(html: str) -> str:
    return " ".join(html.split())


@pytest.mark.parametrize(("role", "which"), [
    ("city_office", "parent"),  # everything: children, both forms, milestones, measures, every free text
    ("county_unit", "child"),  # a parent; a unit starts its task, edits nothing
    ("county_office", "child"),  # an office below the parent's region edits the child
    ("lead_unit", "parent"),
    ("leader", "started"),  # nothing to do; a transition in the history
    ("reviewer", "none"),  # no deadline, no problem or target, no measures or milestones
    ("admin", "long_term"),  # long-term, no unit, not yet decomposed
    ("province_office", "overdue"),  # overdue, a red light
])
def test_the_page_prints_what_the_django_template_printed(users: dict[str, User], tasks: dict[str, Task], login: Any,
                                                         role: str, which: str) -> None:
    shown = named(page(login(users[role]), tasks[which]), tasks)
    kept = PAGES / f"{role}-{which}.html"
    if os.environ.get("RECTIFY_WRITE_DETAIL_PAGES") == "1":
        kept.write_text(shown)
    assert squeezed(shown) == squeezed(kept.read_text())


# What each role may do on each task (edit: 编辑 and 下达督办单; start: 开始整改; decompose: the form), None: 404.
MAY = {
    "admin": {t: "edit start decompose" for t in TASKS} | {"started": "edit decompose"},
    "province_office": {t: "edit start decompose" for t in TASKS} | {"started": "edit decompose"},
    "city_office": {t: "edit start decompose" for t in TASKS} | {"started": "edit decompose"},
    "county_office": {t: "edit start decompose" for t in TASKS} | {"started": "edit decompose", "parent": None, "child2": None},
    "leader": dict.fromkeys(TASKS, ""),
    "reviewer": dict.fromkeys(TASKS, ""),
    "lead_unit": {"parent": "start", "none": "start", "overdue": "start", "late_milestone": "start", "started": "",
                  "child": None, "child2": None, "long_term": None},
    "county_unit": {"parent": "start", "child": "start", "none": "start", "overdue": "start", "late_milestone": "start",
                    "started": "", "child2": None, "long_term": None},
}


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_may_do_on_each_task(users: dict[str, User], tasks: dict[str, Task], login: Any, role: str) -> None:
    client = login(users[role])
    for which, task in tasks.items():
        may = MAY[role][which]
        if may is None:
            assert client.get(reverse("tasks:detail", args=[task.uuid])).status_code == 404, which
            continue
        html = page(client, task)
        done = {"edit": ">编辑</a>" in html and ">下达督办单</a>" in html, "start": "开始整改" in html,
                "decompose": 'class="decompose-form"' in html}
        assert done == {action: action in may.split() for action in done}, which
        assert ">下达督办单</a>" in html if "edit" in may else ">下达督办单</a>" not in html, which
        assert "<script>alert" not in html, which
        sees_a_child = which == "parent" and role != "lead_unit"  # the lead unit is assigned neither child
        assert ("分解到下级的任务" in html) == (sees_a_child or "edit" in may), which


def test_a_task_out_of_scope_is_not_found(world: SimpleNamespace, tasks: dict[str, Task], login: Any) -> None:
    for user in (world.other_unit, world.nobody):
        assert login(user).get(reverse("tasks:detail", args=[tasks["parent"].uuid])).status_code == 404
    assert login(world.admin).get(reverse("tasks:detail", args=["9b2e8f8e-0000-4000-8000-000000000000"])).status_code == 404


def test_every_free_text_is_escaped(world: SimpleNamespace, tasks: dict[str, Task], login: Any) -> None:
    html = page(login(world.city_office), tasks["parent"])
    assert "<script>alert" not in html
    for shown in (f"<h1>7. 标题{ESCAPED}</h1>", f"<dd>方案{ESCAPED}</dd>", f"督察组{ESCAPED}）</dd>", "<dd>&lt;b&gt;&amp;&#x27;</dd>",
                  f"<dd>一、{ESCAPED} › （二）水</dd>", f"（原文：原文{ESCAPED}）", f"<dd>张三{ESCAPED}</dd>",
                  f"<td>单位{ESCAPED}</td>", f"问题{ESCAPED}<br>第二行<br>第三行</p>", f"目标{ESCAPED}<br>二</p>",
                  f"<li>措施{ESCAPED}</li>", f"<time>2030-05-06</time> 节点{ESCAPED}</li>",
                  f"进展{ESCAPED}<br>下一行</p>", f"完成{ESCAPED}</p>", f"晋城市城区：7-1. 标题{ESCAPED}</a>"):
        assert shown in html, shown
    started = page(login(world.city_office), tasks["started"])
    assert f"开始{ESCAPED}" in started and "<li><time>—</time> 无日期节点</li>" in started  # a history reason; no date


def test_both_forms_carry_a_csrf_token_that_is_accepted(world: SimpleNamespace, tasks: dict[str, Task]) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=world.city_office.username, password=PASSWORD)
    task = tasks["parent"]
    html = page(client, task)
    tokens = {}
    for name, action in (("start", reverse("tasks:start", args=[task.uuid])), ("decompose", reverse("tasks:decompose", args=[task.uuid]))):
        form = re.search(rf'<form method="post" action="{action}" class="[^"]+">(.*?)</form>', html, re.S)
        assert form, name
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1))
        assert token, name
        tokens[name] = token.group(1)
    county = Region.objects.create(code="140581", name="高平市", level="county", parent=world.city, path=f"{world.city.path}140581/")
    Unit.objects.create(name="高平市人民政府", kind="government", region=county)
    lines = {"lines": "高平市：高平市人民政府", "reason": "分解"}
    assert client.post(reverse("tasks:decompose", args=[task.uuid]), lines).status_code == 403
    decomposed = client.post(reverse("tasks:decompose", args=[task.uuid]), lines | {"csrfmiddlewaretoken": tokens["decompose"]}, follow=True)
    assert '<div class="alert alert-success" role="status">已分解为 1 项下级任务</div>' in decomposed.content.decode()
    assert Task.objects.filter(parent=task).count() == 3
    task.refresh_from_db()
    started = client.post(reverse("tasks:start", args=[task.uuid]), {"version": task.version, "csrfmiddlewaretoken": tokens["start"]})
    assert started.status_code == 302
    assert Task.objects.get(pk=task.pk).state == TaskState.IN_PROGRESS


def test_the_template_reads_nothing_from_the_database(world: SimpleNamespace, tasks: dict[str, Task], login: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The view loads what the page shows (measures, milestones, children, history); while the template renders,
    only the top bar's count of unread notifications is asked, as on every page."""
    rendering: list[str] = []
    real = views.render

    def watched(*args: Any, **kwargs: Any) -> Any:
        with CaptureQueriesContext(connection) as queries:
            response = real(*args, **kwargs)
        rendering.extend(q["sql"] for q in queries.captured_queries)
        return response

    monkeypatch.setattr(views, "render", watched)
    for which in ("parent", "child", "started"):
        rendering.clear()
        page(login(world.city_office), tasks[which])
        assert len(rendering) == 1 and "notifications_notification" in rendering[0], rendering


def test_the_light_is_one_template_for_both_engines() -> None:
    """Django's ``supervision/_light.html`` (the notices' pages) draws the Jinja2 one (the task's page)."""
    from rectify.supervision.schedule import RED, Light

    light = Light(RED, [NASTY, "第二条"])
    django = engines["django"].get_template("supervision/_light.html").render({"light": light})
    jinja = engines["jinja2"].get_template("supervision/_light.html").render({"light": light})
    assert django == jinja + "\n"
    assert jinja == (f'<span class="light light-red" title="{ESCAPED}；第二条" role="img" aria-label="红灯：{ESCAPED}；第二条"></span>')


def test_the_filters_match_django() -> None:
    from django.template.defaultfilters import date, linebreaksbr
    from django.utils.safestring import mark_safe

    from rectify.core import jinja

    for day in (datetime.date(2031, 2, 3), datetime.date(2026, 12, 31), datetime.date(5, 1, 2)):
        assert jinja.date(day, "Y年n月j日") == date(day, "Y年n月j日")
    for text in ("一\n二\r\n三\r四", NASTY, "", mark_safe("<b>已安全</b>\n")):
        assert jinja.linebreaksbr(text) == linebreaksbr(text, autoescape=True)


def test_a_url_with_a_uuid_is_djangos(settings: Any) -> None:
    """``url(name, uuid)`` puts the uuid in the path kept around it, per URL configuration and script prefix."""
    from uuid import uuid4

    from rectify.core import jinja

    uuid = uuid4()
    for name in ("tasks:detail", "tasks:edit", "tasks:start", "tasks:decompose", "acceptance:file", "supervision:issue",
                 "dispatch:task_reports"):
        assert jinja.url(name, uuid) == jinja.uuid_url(name)(str(uuid)) == reverse(name, args=[uuid]), name
    settings.ROOT_URLCONF = "rectify.tasks.tests.test_ledger_page"  # the site under /moved/
    assert jinja.url("tasks:edit", uuid) == reverse("tasks:edit", args=[uuid]) == f"/moved/ledger/{uuid}/edit/"
