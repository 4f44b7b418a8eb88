"""Decomposing a task to lower regions and starting work, through HTTP."""
import pytest

from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db


def test_office_decomposes_to_counties(world, make_task, login):
    parent = make_task(seq="7", region=world.city, measures=["排查", "整治"])
    client = login(world.city_office)
    response = client.post(f"/ledger/{parent.uuid}/decompose/", {"lines": "城区：区生态环境分局、城区人民政府\n泽州县：泽州县人民政府", "reason": "按属地分解"})
    assert response.status_code == 302
    children = list(Task.objects.filter(parent=parent).order_by("seq"))
    assert [(c.seq, c.region.code) for c in children] == [("7-1", "140502"), ("7-2", "140525")]
    assert [m.text for m in children[0].measures.all()] == ["排查", "整治"]
    assert {a.unit.name for a in children[0].assignments.all()} == {"区生态环境分局", "城区人民政府"}
    assert children[0].deadline == parent.deadline
    page = client.get(f"/ledger/{parent.uuid}/").content.decode()
    assert "（由下级任务汇总）" in page and "7-2" in page


@pytest.mark.parametrize(
    "lines, message",
    [
        ("太原市：太原市生态环境局", "“太原市”不是晋城市的下级区划"),
        ("城区：不存在的单位", "城区没有这些单位：不存在的单位"),
        ("城区 区生态环境分局", "第 1 行格式不对"),
        ("", "请至少填写一个下级区划"),
    ],
)
def test_decomposition_errors_write_nothing(world, make_task, login, lines, message):
    parent = make_task(seq="7", region=world.city)
    response = login(world.city_office).post(f"/ledger/{parent.uuid}/decompose/", {"lines": lines}, follow=True)
    assert message in response.content.decode()
    assert not Task.objects.filter(parent=parent).exists()


def test_decomposing_the_same_region_twice_is_refused(world, make_task, login):
    parent = make_task(seq="7", region=world.city)
    client = login(world.city_office)
    client.post(f"/ledger/{parent.uuid}/decompose/", {"lines": "城区：区生态环境分局"})
    response = client.post(f"/ledger/{parent.uuid}/decompose/", {"lines": "城区：区生态环境分局"}, follow=True)
    assert "晋城市城区已有本任务的分解任务" in response.content.decode()
    assert Task.objects.filter(parent=parent).count() == 1


def test_only_offices_decompose(world, make_task, login):
    parent = make_task(seq="7", region=world.city)
    for user in (world.leader, world.county_unit, world.reviewer):
        assert login(user).post(f"/ledger/{parent.uuid}/decompose/", {"lines": "城区：区生态环境分局"}).status_code in (403, 404)
    assert login(world.other_unit).post(f"/ledger/{parent.uuid}/decompose/", {"lines": "城区：区生态环境分局"}).status_code == 404


def test_assigned_unit_starts_work_and_a_stranger_cannot(world, make_task, login):
    task = make_task()
    assert login(world.leader).post(f"/ledger/{task.uuid}/start/", {"version": 1}).status_code == 403
    assert login(world.other_unit).post(f"/ledger/{task.uuid}/start/", {"version": 1}).status_code == 404
    response = login(world.county_unit).post(f"/ledger/{task.uuid}/start/", {"version": 1}, follow=True)
    assert "任务已进入“整改中”" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS and task.progress_percent == 30
    again = login(world.county_unit).post(f"/ledger/{task.uuid}/start/", {"version": 1}, follow=True)
    assert "该记录已被他人修改" in again.content.decode()


def test_a_line_lists_units_as_every_unit_list_does(world, make_task, login):
    """The decomposition split a line's units itself (no 及, no shared prefix completed); it now reads them as
    the form, the API and the imports do (``tasks.validation.unit_names``)."""
    parent = make_task(seq="8", region=world.city)
    client = login(world.city_office)
    response = client.post(f"/ledger/{parent.uuid}/decompose/", {"lines": "城区：区生态环境分局及城区人民政府", "reason": "按属地分解"})
    assert response.status_code == 302
    (child,) = Task.objects.filter(parent=parent)
    assert {a.unit.name for a in child.assignments.all()} == {"区生态环境分局", "城区人民政府"}
