"""The ledger pages through HTTP: scope, filters, counts, pagination, forms and version checks."""
from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectify.core.models import ChangeRecord, SavedFilter
from rectify.inspections.models import Plan
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db


def listed_seqs(response) -> list[str]:
    return re.findall(r'<td class="seq">([^<]+)</td>', response.content.decode())


def test_ledger_requires_login(client):
    response = client.get("/ledger/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_office_sees_its_subtree_unit_sees_its_assignments(world, make_task, login):
    make_task(seq="A1")
    make_task(seq="A2", units={Assignment.Role.RESPONSIBLE: [world.unit_county2_gov]}, region=world.county2)
    make_task(seq="B1", plan=world.other_plan, region=world.other_city, units={Assignment.Role.RESPONSIBLE: [world.unit_other_env]})

    assert sorted(listed_seqs(login(world.province_office).get("/ledger/"))) == ["A1", "A2", "B1"]
    assert sorted(listed_seqs(login(world.city_office).get("/ledger/"))) == ["A1", "A2"]
    assert sorted(listed_seqs(login(world.leader).get("/ledger/"))) == ["A1", "A2"]
    assert listed_seqs(login(world.county_unit).get("/ledger/")) == ["A1"]
    assert listed_seqs(login(world.lead_unit).get("/ledger/")) == ["A1"]
    assert listed_seqs(login(world.other_unit).get("/ledger/")) == ["B1"]
    assert listed_seqs(login(world.nobody).get("/ledger/")) == []


def test_task_outside_scope_is_404(world, make_task, login):
    other = make_task(seq="B1", plan=world.other_plan, region=world.other_city, units={Assignment.Role.RESPONSIBLE: [world.unit_other_env]})
    assert login(world.city_office).get(f"/ledger/{other.uuid}/").status_code == 404
    assert login(world.county_unit).get(f"/ledger/{other.uuid}/edit/").status_code == 404
    assert login(world.other_unit).get(f"/ledger/{other.uuid}/").status_code == 200


def test_filters_and_counts(world, make_task, login):
    past = datetime.date.today() - datetime.timedelta(days=30)
    a = make_task(seq="1", problem="河道垃圾堆放", deadline=past)
    make_task(seq="2", problem="工地扬尘管控不到位", region=world.county2, units={Assignment.Role.RESPONSIBLE: [world.unit_county2_gov]})
    c = make_task(seq="3", problem="燃煤锅炉未淘汰", long_term=True, deadline=None)
    transition_task(c, TaskState.IN_PROGRESS)
    client = login(world.city_office)

    assert listed_seqs(client.get("/ledger/", {"q": "扬尘"})) == ["2"]
    assert listed_seqs(client.get("/ledger/", {"q": "河道 垃圾"})) == ["1"]
    assert listed_seqs(client.get("/ledger/", {"state": "in_progress"})) == ["3"]
    assert listed_seqs(client.get("/ledger/", {"overdue": "on"})) == ["1"]
    assert sorted(listed_seqs(client.get("/ledger/", {"region": world.county.pk}))) == ["1", "3"]
    assert listed_seqs(client.get("/ledger/", {"unit": world.unit_county2_gov.pk})) == ["2"]
    assert listed_seqs(client.get("/ledger/", {"deadline_to": (past + datetime.timedelta(days=1)).isoformat()})) == ["1"]
    assert listed_seqs(client.get("/ledger/", {"long_term": "true"})) == ["3"]
    assert listed_seqs(client.get("/ledger/", {"ordering": "-seq"})) == ["3", "2", "1"]
    assert a.is_overdue

    page = client.get("/ledger/", {"state": "in_progress"}).content.decode()
    # Counts above the list ignore the state filter: all three tasks, one in progress, one overdue.
    assert re.search(r'id="count-all">3<', page)
    assert re.search(r"<b>整改中</b><span class=\"num\">1</span>", page)
    assert re.search(r"<b>逾期</b><span class=\"num\">1</span>", page)

    other_plan = Plan.objects.create(region=world.city, title="另一方案")
    make_task(seq="4", plan=other_plan)
    response = client.get("/ledger/", {"plan": other_plan.pk})
    assert listed_seqs(response) == ["4"]
    assert "仅显示方案：另一方案" in response.content.decode()


def test_pagination_and_no_n_plus_one(world, make_task, login, settings):
    settings.LEDGER_PAGE_SIZE = 10
    client = login(world.city_office)
    for i in range(3):
        make_task(seq=str(i))
    client.get("/ledger/")  # the first request of a session may do one-off work (session, security checks)
    with CaptureQueriesContext(connection) as few:
        client.get("/ledger/")
    for i in range(3, 25):
        make_task(seq=str(i))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/ledger/")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(listed_seqs(response)) == 10
    assert "第 1 / 3 页" in response.content.decode()
    assert len(listed_seqs(client.get("/ledger/", {"page": 3}))) == 5


def form_data(world, **overrides):
    data = {
        "plan": world.plan.pk, "region": world.county.pk, "seq": "9", "problem": "污水直排入河", "target": "排污口全部封堵",
        "measures": "排查排污口\n封堵并复查", "milestones": "2030-06-30 完成排查", "lead_units": "晋城市生态环境局",
        "responsible_units": "区生态环境分局", "deadline": "2030-12-31", "reason": "补录任务",
    }
    data.update(overrides)
    return data


def test_create_task_through_the_form(world, login):
    client = login(world.city_office)
    response = client.post("/ledger/new/", form_data(world))
    task = Task.objects.get(seq="9")
    assert response.status_code == 302 and response["Location"] == f"/ledger/{task.uuid}/"
    assert [m.text for m in task.measures.all()] == ["排查排污口", "封堵并复查"]
    assert [(m.date, m.text) for m in task.milestones.all()] == [(datetime.date(2030, 6, 30), "完成排查")]
    assert {(a.unit.name, a.role) for a in task.assignments.all()} == {("市生态环境局", "lead"), ("区生态环境分局", "responsible")}
    row = ChangeRecord.objects.get(task_uuid=task.uuid)
    assert row.action == "create" and row.user == world.city_office and row.reason == "补录任务"
    detail = client.get(f"/ledger/{task.uuid}/").content.decode()
    assert "污水直排入河" in detail and "封堵并复查" in detail and "补录任务" in detail


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"deadline": "", "long_term": ""}, "deadline", "请填写整改时限，或选择“长期坚持”"),
        ({"responsible_units": "不存在的局"}, "responsible_units", "系统中没有这些单位：不存在的局"),
        ({"milestones": "明年六月 完成"}, "milestones", "第 1 行格式不对"),
        ({"milestones": "2030-02-30 完成"}, "milestones", "日期 2030-02-30 不存在"),
        ({"deadline": "1990-01-01"}, "deadline", "年份应在 2000 至 2100 之间"),
        ({"problem": "", "target": ""}, "problem", "至少填写一项"),
    ],
)
def test_create_task_validation(world, login, overrides, field, message):
    response = login(world.city_office).post("/ledger/new/", form_data(world, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Task.objects.exists()


def test_only_offices_create_and_edit(world, make_task, login):
    task = make_task()
    for user in (world.leader, world.county_unit, world.lead_unit, world.reviewer):
        client = login(user)
        assert client.get("/ledger/new/").status_code == 403
        assert client.post(f"/ledger/{task.uuid}/edit/", form_data(world, version=1)).status_code == 403
    assert login(world.province_office).get(f"/ledger/{task.uuid}/edit/").status_code == 200


def test_edit_records_history_and_refuses_stale_version(world, make_task, login):
    task = make_task(seq="5")
    client = login(world.city_office)
    first = client.post(f"/ledger/{task.uuid}/edit/", form_data(world, seq="5", target="新目标", version=task.version, reason="细化目标"))
    assert first.status_code == 302
    task.refresh_from_db()
    assert task.target == "新目标" and task.version == 2
    update = ChangeRecord.objects.filter(task_uuid=task.uuid, action="update").get()
    assert update.before["target"] == "垃圾全部清理，建立长效机制" and update.after["target"] == "新目标"

    stale = client.post(f"/ledger/{task.uuid}/edit/", form_data(world, seq="5", target="覆盖别人的修改", version=1))
    assert stale.status_code == 409
    assert "该记录已被他人修改（当前版本为 2）" in stale.content.decode()
    task.refresh_from_db()
    assert task.target == "新目标" and task.version == 2

    unchanged = client.post(f"/ledger/{task.uuid}/edit/", form_data(world, seq="5", target="新目标", version=2))
    assert unchanged.status_code == 302
    assert ChangeRecord.objects.filter(task_uuid=task.uuid).count() == 2


def test_saved_filters_belong_to_their_user(world, login):
    client = login(world.city_office)
    client.post("/ledger/filters/save/", {"name": "本月逾期", "query": "overdue=on"})
    saved = SavedFilter.objects.get(user=world.city_office)
    assert "本月逾期" in client.get("/ledger/").content.decode()
    assert login(world.leader).post(f"/ledger/filters/{saved.pk}/delete/").status_code == 404
    client.post(f"/ledger/filters/{saved.pk}/delete/")
    assert not SavedFilter.objects.exists()


def test_refusals_and_missing_records_explain_themselves_in_chinese(world, make_task, login):
    denied = login(world.leader).get("/ledger/new/")
    assert denied.status_code == 403
    assert "只有整改办或管理员可以新建任务" in denied.content.decode()
    missing = login(world.other_unit).get(f"/ledger/{make_task().uuid}/")
    assert missing.status_code == 404
    assert "不在您的数据范围内" in missing.content.decode()
