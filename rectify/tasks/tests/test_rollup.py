"""Roll-up of decomposed tasks: a parent's progress and state follow its children."""
import pytest

from rectify.core.models import ChangeRecord
from rectify.tasks.rollup import derived_progress, derived_state
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState as S

pytestmark = pytest.mark.django_db

TO_CLOSED = [S.IN_PROGRESS, S.APPLIED, S.ACCEPTED, S.ANNOUNCED, S.CLOSED]


def drive(task, steps):
    for step in steps:
        task = transition_task(task, step, reason="测试")
    return task


def fresh(task):
    task.refresh_from_db()
    return task


@pytest.mark.parametrize(
    "children, current, state, percent",
    [
        ([], S.IN_PROGRESS, S.IN_PROGRESS, 0),
        ([S.ASSIGNED, S.ASSIGNED], S.ASSIGNED, S.ASSIGNED, 0),
        ([S.ASSIGNED, S.IN_PROGRESS], S.ASSIGNED, S.IN_PROGRESS, 15),
        ([S.CLOSED, S.APPLIED], S.IN_PROGRESS, S.APPLIED, 85),
        ([S.CLOSED, S.SENT_BACK], S.IN_PROGRESS, S.IN_PROGRESS, 65),
        ([S.CLOSED, S.CLOSED], S.ANNOUNCED, S.CLOSED, 100),
        ([S.CLOSED, S.REOPENED], S.CLOSED, S.REOPENED, 65),
    ],
)
def test_derivation_rules(children, current, state, percent):
    assert derived_state(children, current) == state
    if children:
        assert derived_progress(children) == percent


def test_one_child_carries_its_parent(world, make_task):
    parent = make_task(seq="1", region=world.city)
    child = make_task(seq="1-1", parent=parent)
    drive(child, [S.IN_PROGRESS])
    assert (fresh(parent).state, fresh(parent).progress_percent) == (S.IN_PROGRESS, 30)
    drive(fresh(child), TO_CLOSED[1:])
    parent = fresh(parent)
    assert (parent.state, parent.progress_percent) == (S.CLOSED, 100)
    row = ChangeRecord.objects.filter(task_uuid=parent.uuid, action="transition").first()
    assert row.reason.startswith("由下级任务汇总")


def test_a_reopened_child_reopens_a_closed_parent(world, make_task):
    parent = make_task(seq="1", region=world.city)
    a = drive(make_task(seq="1-1", parent=parent), TO_CLOSED)
    b = drive(make_task(seq="1-2", parent=parent, region=world.county2), TO_CLOSED)
    assert fresh(parent).state == S.CLOSED
    drive(b, [S.REOPENED])
    parent = fresh(parent)
    assert (parent.state, parent.progress_percent) == (S.REOPENED, 65)
    assert fresh(a).state == S.CLOSED


def test_a_long_term_child_counts_done_when_its_stage_closes_and_stays_long_term(world, make_task):
    parent = make_task(seq="1", region=world.city)
    ongoing = make_task(seq="1-1", parent=parent, long_term=True, deadline=None)
    other = make_task(seq="1-2", parent=parent)
    drive(ongoing, TO_CLOSED)
    drive(other, [S.IN_PROGRESS])
    parent = fresh(parent)
    assert (parent.state, parent.progress_percent) == (S.IN_PROGRESS, 65)
    assert fresh(ongoing).long_term


def test_roll_up_climbs_two_levels(world, make_task):
    province = make_task(seq="1", region=world.province)
    city = make_task(seq="1-1", parent=province, region=world.city)
    county = make_task(seq="1-1-1", parent=city)
    drive(county, [S.IN_PROGRESS, S.APPLIED])
    assert fresh(city).state == S.APPLIED
    assert (fresh(province).state, fresh(province).progress_percent) == (S.APPLIED, 70)
