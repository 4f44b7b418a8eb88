import pytest

from rectify.core.versioning import StaleEdit
from rectify.tasks.services import transition_task
from rectify.tasks.states import TASK_TRANSITIONS, TaskState, TransitionRefused, check_transition

pytestmark = pytest.mark.django_db


def test_every_state_has_its_transitions_defined():
    assert set(TASK_TRANSITIONS) == set(TaskState)


def test_illegal_transition_is_refused_with_reason(make_task):
    task = make_task()
    with pytest.raises(TransitionRefused, match="任务当前状态为“已交办”，不能变更为“已销号”"):
        transition_task(task, TaskState.CLOSED)
    task.refresh_from_db()
    assert task.state == TaskState.ASSIGNED and task.version == 1


def test_transition_checks_version_and_records_history(make_task):
    from rectify.core.models import ChangeRecord

    task = make_task()
    task = transition_task(task, TaskState.IN_PROGRESS, expected_version=1, reason="开始整改")
    assert task.version == 2
    with pytest.raises(StaleEdit):
        transition_task(task, TaskState.APPLIED, expected_version=1)
    row = ChangeRecord.objects.filter(task_uuid=task.uuid, action="transition").get()
    assert row.before == {"state": "assigned"} and row.after == {"state": "in_progress"} and row.reason == "开始整改"


def test_closed_task_can_only_be_reopened():
    with pytest.raises(TransitionRefused):
        check_transition(TaskState.CLOSED, TaskState.IN_PROGRESS)
    check_transition(TaskState.CLOSED, TaskState.REOPENED)


ALL_PAIRS = [(a, b) for a in TaskState for b in TaskState]


@pytest.mark.parametrize("current, target", ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_every_transition_is_allowed_or_refused_as_the_table_says(make_task, current, target):
    from rectify.tasks.models import Task

    task = make_task()
    Task.objects.filter(pk=task.pk).update(state=current)
    task.refresh_from_db()
    if target in TASK_TRANSITIONS[current]:
        task = transition_task(task, target, expected_version=task.version, reason="测试")
        assert task.state == target
    else:
        with pytest.raises(TransitionRefused, match=f"不能变更为“{target.label}”"):
            transition_task(task, target, expected_version=task.version)
        task.refresh_from_db()
        assert task.state == current
