"""The task endpoints: scope as in the ledger, writes through the services."""
import datetime

import pytest
from django.urls import reverse

from rectify.core.models import ChangeRecord
from rectify.tasks.models import Task

TASKS = "/api/v1/tasks"


def task_body(world, **kw):
    body = {
        "plan": str(world.plan.uuid), "region": world.county.code, "seq": "99", "problem": "河道两岸存在垃圾",
        "target": "全部清理", "measures": ["排查", "清理"], "milestones": [{"date": "2026-06-30", "text": "完成排查"}],
        "lead_units": ["晋城市生态环境局"], "responsible_units": ["区生态环境分局"], "deadline": "2026-12-31",
        "section": ["一、水环境", "（一）河道"], "reason": "接口新建",
    }
    body.update(kw)
    return body


def uuids(response):
    assert response.status_code == 200, response.content
    return {t["uuid"] for t in response.json()["items"]}


@pytest.fixture
def tasks(world, make_task):
    return {
        "county": make_task(),
        "county2": make_task(region=world.county2, units={"responsible": [world.unit_county2_gov]}),
        "other": make_task(plan=world.other_plan, region=world.other_city, units={"responsible": [world.unit_other_env]}),
    }


# ---- reading -------------------------------------------------------------------------------------


def test_scope_of_the_list_matches_the_ledger(api_as, world, tasks):
    county, county2, other = (str(tasks[k].uuid) for k in ("county", "county2", "other"))
    assert uuids(api_as(world.admin).get(TASKS)) == {county, county2, other}
    assert uuids(api_as(world.province_office).get(TASKS)) == {county, county2, other}
    assert uuids(api_as(world.city_office).get(TASKS)) == {county, county2}
    assert uuids(api_as(world.leader).get(TASKS)) == {county, county2}
    assert uuids(api_as(world.county_unit).get(TASKS)) == {county}
    assert uuids(api_as(world.other_unit).get(TASKS)) == {other}
    assert uuids(api_as(world.nobody).get(TASKS)) == set()


def test_office_of_another_city_cannot_see_a_task(api_as, world, tasks):
    other = tasks["other"]
    client = api_as(world.city_office)
    for path in (f"{TASKS}/{other.uuid}", f"{TASKS}/{other.uuid}/history", f"{TASKS}/{other.uuid}/assignments"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "无权查看" in response.json()["detail"]
    response = client.patch(f"{TASKS}/{other.uuid}", {"version": 1, "progress": "x"})
    assert response.status_code == 404
    response = client.post(f"{TASKS}/{other.uuid}/transition", {"state": "in_progress", "version": 1})
    assert response.status_code == 404


def test_unit_user_sees_only_tasks_of_its_assignments(api_as, world, tasks):
    client = api_as(world.county_unit)
    assert client.get(f"{TASKS}/{tasks['county'].uuid}").status_code == 200
    assert client.get(f"{TASKS}/{tasks['county2'].uuid}").status_code == 404


def test_detail_includes_measures_milestones_and_assignments(api_as, world, make_task):
    task = make_task(milestones=[(datetime.date(2026, 3, 1), "完成排查")], responsible_person="张三")
    body = api_as(world.city_office).get(f"{TASKS}/{task.uuid}").json()
    assert body["measures"] == ["开展排查", "建立台账"]
    assert body["milestones"] == [{"date": "2026-03-01", "text": "完成排查", "done": False}]
    assert {(a["unit"]["name"], a["role"]) for a in body["assignments"]} == {("市生态环境局", "lead"), ("区生态环境分局", "responsible")}
    assert body["lead_units"] == ["市生态环境局"] and body["responsible_units"] == ["区生态环境分局"]
    assert body["region"] == {"code": "140502", "name": "晋城市城区"}
    assert body["plan"]["uuid"] == str(world.plan.uuid) and body["inspection"] == str(world.inspection.uuid)
    assert body["can_edit"] is True and body["version"] == 1 and body["state_label"] == "已交办"
    assert body["next_states"] == ["in_progress"]  # 申请验收 only through the apply operation
    assert "id" not in body


def test_leader_reads_but_cannot_edit(api_as, world, tasks):
    client = api_as(world.leader)
    task = tasks["county"]
    assert client.get(f"{TASKS}/{task.uuid}").json()["can_edit"] is False
    response = client.patch(f"{TASKS}/{task.uuid}", {"version": 1, "progress": "已完成一半"})
    assert response.status_code == 403
    assert "权限" in response.json()["detail"]
    assert client.post(f"{TASKS}/{task.uuid}/transition", {"state": "in_progress", "version": 1}).status_code == 403
    assert client.post(TASKS, task_body(world)).status_code == 403
    task.refresh_from_db()
    assert task.version == 1 and task.progress == ""


def test_unit_user_cannot_write(api_as, world, tasks):
    response = api_as(world.county_unit).patch(f"{TASKS}/{tasks['county'].uuid}", {"version": 1, "progress": "x"})
    assert response.status_code == 403


def test_filters(api_as, world, make_task):
    late = make_task(deadline=datetime.date(2020, 1, 31), problem="焦化企业无组织排放")
    soon = make_task(region=world.county2, deadline=datetime.date(2030, 6, 30), units={"responsible": [world.unit_county2_gov]})
    done = make_task(long_term=True, deadline=None)
    Task.objects.filter(pk=done.pk).update(state="closed")
    client = api_as(world.city_office)
    assert uuids(client.get(TASKS, {"overdue": "true"})) == {str(late.uuid)}
    assert uuids(client.get(TASKS, {"region": world.county2.code})) == {str(soon.uuid)}
    assert uuids(client.get(TASKS, {"region": world.city.code})) == {str(late.uuid), str(soon.uuid), str(done.uuid)}
    assert uuids(client.get(TASKS, {"unit": str(world.unit_county2_gov.uuid)})) == {str(soon.uuid)}
    assert uuids(client.get(TASKS, {"state": ["closed"]})) == {str(done.uuid)}
    assert uuids(client.get(TASKS, {"state": ["closed", "assigned"]})) == {str(late.uuid), str(soon.uuid), str(done.uuid)}
    assert uuids(client.get(TASKS, {"deadline_from": "2025-01-01", "deadline_to": "2030-12-31"})) == {str(soon.uuid)}
    assert uuids(client.get(TASKS, {"q": "焦化 排放"})) == {str(late.uuid)}
    assert uuids(client.get(TASKS, {"inspection": str(world.inspection.uuid)})) == {str(late.uuid), str(soon.uuid), str(done.uuid)}
    bad = client.get(TASKS, {"region": "999999"})
    assert bad.status_code == 422 and "区划" in bad.json()["detail"]
    bad = client.get(TASKS, {"state": ["finished"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("state")


def test_list_sorts_and_searches_as_the_ledger_page(api_as, world, make_task, login):
    """The API's filters, search and sort are the ledger page's filterset: 序号 sorts naturally (2 before 10,
    the API once sorted the text, 10 before 2), and a too-long search is refused with the page's message."""
    for seq in ("10", "2", "1"):
        make_task(seq=seq)
    client = api_as(world.city_office)
    assert [t["seq"] for t in client.get(TASKS, {"ordering": "seq"}).json()["items"]] == ["1", "2", "10"]
    assert [t["seq"] for t in client.get(TASKS, {"ordering": "-deadline"}).json()["items"]] == ["10", "2", "1"]  # ties by id
    bad = client.get(TASKS, {"q": "字" * 200})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "q"
    page = login(world.city_office).get(reverse("tasks:ledger"), {"q": "字" * 200})
    assert bad.json()["errors"][0]["message"] in page.content.decode()


def test_a_search_within_a_units_tasks_checks_their_text(api_as, world, make_task):
    """The API's search with a unit chosen: its words looked up as weighed against the unit's tasks (PostgreSQL's
    estimate), each one's text checked, not through the keyword index whose lists hold the whole country's tasks
    (``views.page_words``, shared by the list); without the unit, the administrator's search goes through the index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(6):
        make_task(seq=str(n + 1), problem="城区污水直排" if n % 2 else "扬尘治理")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tasks_task")
    client = api_as(world.admin)
    for query, indexed in (({"q": "污水", "unit": str(world.unit_county_env.uuid)}, False), ({"q": "污水"}, True)):
        with CaptureQueriesContext(connection) as ctx:
            listed = client.get(TASKS, query).json()["items"]
        assert sorted(t["seq"] for t in listed) == ["2", "4", "6"]
        if connection.vendor == "postgresql":
            assert any("rectify_text_grams" in q["sql"] for q in ctx.captured_queries) == indexed, query


def test_pagination(api_as, world, make_task):
    for _ in range(7):
        make_task()
    client = api_as(world.city_office)
    first = client.get(TASKS, {"page_size": 5}).json()
    second = client.get(TASKS, {"page_size": 5, "page": 2}).json()
    assert first["count"] == 7 and len(first["items"]) == 5 and len(second["items"]) == 2
    assert not {t["uuid"] for t in first["items"]} & {t["uuid"] for t in second["items"]}


def test_count_of_an_unfiltered_list_is_the_scope_s_exact_count(api_as, world, tasks, make_task):
    """An unfiltered list counts the caller's scope from the maintained counts (no COUNT over the tasks), a
    filtered one its matches; both equal the tasks the caller may see, before and after tasks change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users = (world.admin, world.province_office, world.city_office, world.leader, world.county_unit, world.other_unit,
             world.nobody)

    def check() -> None:
        for user in users:
            client = api_as(user)
            visible = Task.objects.visible_to(user)
            with CaptureQueriesContext(connection) as queries:
                count = client.get(TASKS, {"page_size": 1}).json()["count"]
            assert count == visible.count(), user
            counted = [q["sql"] for q in queries.captured_queries if 'COUNT(*)' in q["sql"] and '"tasks_task"' in q["sql"]]
            assert bool(counted) == (user in (world.county_unit, world.other_unit)), (user, counted)  # a unit's scope is counted
            assert client.get(TASKS, {"state": "in_progress"}).json()["count"] == visible.filter(state="in_progress").count()

    check()
    make_task(region=world.county2, units={"responsible": [world.unit_county2_gov]})
    Task.objects.filter(pk=tasks["county"].pk).update(state="in_progress")
    Task.objects.filter(pk=tasks["other"].pk).delete()
    check()


def test_task_list_has_no_n_plus_one(api_as, world, make_task, django_assert_max_num_queries):
    for _ in range(3):
        make_task()
    client = api_as(world.city_office)
    client.get(TASKS)  # warm up: session, user
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(TASKS).json()["items"]) == 3
    for _ in range(12):
        make_task(region=world.county2, units={"lead": [world.unit_city_env], "responsible": [world.unit_county2_gov]})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(TASKS).json()["items"]) == 15


# ---- creating ------------------------------------------------------------------------------------


def test_office_creates_a_task_and_a_history_row(api_as, world):
    response = api_as(world.city_office).post(TASKS, task_body(world))
    assert response.status_code == 201, response.content
    body = response.json()
    task = Task.objects.get(uuid=body["uuid"])
    assert task.region == world.county and task.plan == world.plan and task.inspection == world.inspection
    assert body["measures"] == ["排查", "清理"] and body["section"] == ["一、水环境", "（一）河道"]
    assert body["lead_units"] == ["市生态环境局"] and body["responsible_units"] == ["区生态环境分局"]
    row = ChangeRecord.objects.get(task_uuid=task.uuid)
    assert row.action == "create" and row.user == world.city_office and row.reason == "接口新建"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"deadline": None}, "deadline", "请填写整改时限，或选择“长期坚持”"),
        ({"deadline": "1999-12-31"}, "deadline", "年份应在 2000 至 2100 之间"),
        ({"problem": "", "target": "", "title": ""}, "problem", "至少填写一项"),
        ({"lead_units": [], "responsible_units": []}, "responsible_units", "请至少填写一个牵头单位或责任单位"),
        ({"responsible_units": ["区生态环境分局、不存在的局"]}, "responsible_units", "系统中没有这些单位：不存在的局"),
        ({"responsible_units": ["太原市生态环境局"]}, "responsible_units", "系统中没有这些单位：太原市生态环境局"),
        ({"region": "140100"}, "region", "不在您的管辖范围内"),
        ({"plan": "00000000-0000-0000-0000-000000000000"}, "plan", "整改方案不存在"),
        ({"seq": "  "}, "seq", "不能为空"),
        ({"seq": "1" * 21}, "seq", "太长（21 个字，不超过 20 个字）"),
        ({"deadline": "2026-13-01"}, "deadline", "日期格式不正确"),
    ],
)
def test_create_validation_mirrors_the_form(api_as, world, changes, field, message):
    response = api_as(world.city_office).post(TASKS, task_body(world, **changes))
    assert response.status_code == 422, response.content
    body = response.json()
    assert any(e["field"] == field and message in e["message"] for e in body["errors"]), body
    assert message in body["detail"]
    assert not Task.objects.exists() and not ChangeRecord.objects.filter(object_type="tasks.task").exists()


def test_missing_field_is_named_in_chinese(api_as, world):
    body = task_body(world)
    del body["seq"]
    response = api_as(world.city_office).post(TASKS, body)
    assert response.status_code == 422
    assert response.json()["detail"] == "序号：此项为必填项"


def test_long_term_task_needs_no_deadline(api_as, world):
    response = api_as(world.city_office).post(TASKS, task_body(world, deadline=None, long_term=True))
    assert response.status_code == 201, response.content


def test_office_cannot_create_outside_its_region(api_as, world):
    response = api_as(world.city_office).post(TASKS, task_body(world, plan=str(world.other_plan.uuid), region=world.other_city.code))
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"plan", "region"}


# ---- updating ------------------------------------------------------------------------------------


def test_patch_changes_given_fields_and_bumps_the_version(api_as, world, make_task):
    task = make_task()
    response = api_as(world.city_office).patch(
        f"{TASKS}/{task.uuid}", {"version": 1, "progress": "已完成排查", "responsible_units": ["城区人民政府"], "reason": "调整责任单位"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2 and body["progress"] == "已完成排查"
    assert body["responsible_units"] == ["城区人民政府"] and body["lead_units"] == ["市生态环境局"]
    assert body["measures"] == ["开展排查", "建立台账"]
    row = ChangeRecord.objects.filter(task_uuid=task.uuid, action="update").get()
    assert row.reason == "调整责任单位" and row.user == world.city_office


def test_patch_requires_a_version(api_as, world, make_task):
    task = make_task()
    response = api_as(world.city_office).patch(f"{TASKS}/{task.uuid}", {"progress": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "version"


def test_stale_version_answers_409_and_writes_nothing(api_as, world, make_task):
    task = make_task()
    client = api_as(world.city_office)
    assert client.patch(f"{TASKS}/{task.uuid}", {"version": 1, "progress": "第一次"}).status_code == 200
    rows = ChangeRecord.objects.count()
    response = client.patch(f"{TASKS}/{task.uuid}", {"version": 1, "progress": "过时的修改", "measures": ["新措施"]})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "该记录已被他人修改（当前版本为 2），您的修改未保存。请刷新页面查看最新内容后重新编辑。",
        "current_version": 2, "code": "stale_edit", "status": 409,
    }
    task.refresh_from_db()
    assert task.progress == "第一次" and task.version == 2
    assert [m.text for m in task.measures.all()] == ["开展排查", "建立台账"]
    assert ChangeRecord.objects.count() == rows


def test_put_replaces_the_task(api_as, world, make_task):
    task = make_task(responsible_person="张三")
    body = task_body(world, version=1, seq="5", title="新标题", measures=["唯一措施"], milestones=[], lead_units=[])
    response = api_as(world.city_office).put(f"{TASKS}/{task.uuid}", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["seq"] == "5" and data["title"] == "新标题" and data["responsible_person"] == ""
    assert data["measures"] == ["唯一措施"] and data["lead_units"] == [] and data["milestones"] == []
    assert data["version"] == 2


def test_put_stale_version_is_409(api_as, world, make_task):
    task = make_task()
    response = api_as(world.city_office).put(f"{TASKS}/{task.uuid}", task_body(world, version=7))
    assert response.status_code == 409
    task.refresh_from_db()
    assert task.seq != "99"


def test_patch_validation(api_as, world, make_task):
    task = make_task()
    response = api_as(world.city_office).patch(f"{TASKS}/{task.uuid}", {"version": 1, "deadline": None})
    assert response.status_code == 422
    assert "请填写整改时限" in response.json()["detail"]
    response = api_as(world.city_office).patch(f"{TASKS}/{task.uuid}", {"version": 1, "plan": str(world.other_plan.uuid)})
    assert response.status_code == 422


def test_parent_must_be_an_editable_task(api_as, world, tasks):
    response = api_as(world.city_office).post(TASKS, task_body(world, parent=str(tasks["other"].uuid)))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "parent"


# ---- transitions and history ---------------------------------------------------------------------


def test_legal_transition(api_as, world, make_task):
    task = make_task()
    response = api_as(world.city_office).post(f"{TASKS}/{task.uuid}/transition", {"state": "in_progress", "version": 1, "reason": "开始"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_progress" and response.json()["version"] == 2
    row = ChangeRecord.objects.get(task_uuid=task.uuid, action="transition")
    assert row.before == {"state": "assigned"} and row.after == {"state": "in_progress"} and row.reason == "开始"


def test_illegal_transition_is_400_with_the_reason(api_as, world, make_task):
    task = make_task()
    rows = ChangeRecord.objects.count()
    response = api_as(world.city_office).post(f"{TASKS}/{task.uuid}/transition", {"state": "closed", "version": 1})
    assert response.status_code == 400
    assert response.json()["detail"] == "任务当前状态为“已交办”，不能变更为“已销号”（可直接变更为：整改中）"
    task.refresh_from_db()
    assert task.state == "assigned" and task.version == 1 and ChangeRecord.objects.count() == rows


def test_transition_with_stale_version_is_409(api_as, world, make_task):
    task = make_task()
    response = api_as(world.city_office).post(f"{TASKS}/{task.uuid}/transition", {"state": "in_progress", "version": 3})
    assert response.status_code == 409
    task.refresh_from_db()
    assert task.state == "assigned"


def test_unknown_state_is_422(api_as, world, make_task):
    task = make_task()
    response = api_as(world.city_office).post(f"{TASKS}/{task.uuid}/transition", {"state": "finished", "version": 1})
    assert response.status_code == 422
    assert "取值无效" in response.json()["detail"]


def test_history_lists_the_changes_newest_first(api_as, world, make_task):
    task = make_task()
    client = api_as(world.city_office)
    client.patch(f"{TASKS}/{task.uuid}", {"version": 1, "progress": "推进中"})
    client.post(f"{TASKS}/{task.uuid}/transition", {"state": "in_progress", "version": 2})
    response = api_as(world.county_unit).get(f"{TASKS}/{task.uuid}/history")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["action"] for i in items] == ["transition", "update", "create"]
    assert {"field": "progress", "label": "进展情况", "before": "", "after": "推进中", "before_text": "（空）",
            "after_text": "推进中"} in items[1]["changes"]
    assert {"field": "state", "label": "状态", "before": "assigned", "after": "in_progress", "before_text": "已交办",
            "after_text": "整改中"} in items[0]["changes"]
    assert items[0]["user_name"] == "city_office" and items[2]["reason"] == "测试数据"


def test_history_reads_as_the_page_does(api_as, world, make_task, login):
    """Chinese labels of ``core.changes``, and no internal field (uuid, version, search text …) anywhere."""
    from rectify.core.changes import INTERNAL_FIELDS
    from rectify.tasks.models import Task

    task = make_task()
    api_as(world.city_office).patch(f"{TASKS}/{task.uuid}", {"version": 1, "progress": "推进中", "title": "新的标题"})
    items = api_as(world.county_unit).get(f"{TASKS}/{task.uuid}/history").json()["items"]
    hidden = INTERNAL_FIELDS | set(Task.history_hidden)
    for item in items:
        assert not hidden & {c["field"] for c in item["changes"]}, item["changes"]
        for values in (item["before"] or {}, item["after"] or {}):
            assert not hidden & set(values), sorted(hidden & set(values))
    labels = {c["label"] for c in items[0]["changes"]}
    assert {"进展情况", "任务名称"} <= labels, labels
    page = login(world.county_unit).get(reverse("tasks:detail", args=[task.uuid])).content.decode()
    for label in labels:
        assert label in page
