"""The generic state change cannot skip a workflow step: every (from, to) pair through the API.

A transition that a step owns (申请验收, 验收, 公示, 销号, 异议成立, 回头看反弹) leaves a record of its own;
``POST /api/v1/tasks/{uuid}/transition`` refuses it with the step to use, changes nothing and writes
no history. Only the plain transitions go through, and ``next_states`` lists exactly those.
"""
from __future__ import annotations

import itertools

import pytest

from rectify.core.models import ChangeRecord
from rectify.tasks.models import Task
from rectify.tasks.states import STEP_ENDPOINTS, TASK_TRANSITIONS, TRANSITION_VIA, Step, TaskState, plain_targets

TASKS = "/api/v1/tasks"
PAIRS = list(itertools.product(TaskState, TaskState))


def put_in_state(task: Task, state: str) -> Task:
    Task.objects.filter(pk=task.pk).update(state=state)
    task.refresh_from_db()
    return task


@pytest.mark.parametrize("user", ["city_office", "admin", "county_unit"])
def test_every_pair_through_the_transition_operation(api_as, world, make_task, user):
    """Office, admin and the unit doing the work alike: a step-owned state is never reached here."""
    client = api_as(getattr(world, user))
    plain = 0
    for source, target in PAIRS:
        task = put_in_state(make_task(), source)
        rows = ChangeRecord.objects.filter(task_uuid=task.uuid).count()
        response = client.post(f"{TASKS}/{task.uuid}/transition", {"state": target, "version": task.version, "reason": "接口测试"})
        via = TRANSITION_VIA.get((source, target))
        after = Task.objects.get(pk=task.pk)
        if via == "":
            plain += 1
            assert response.status_code == 200, (source, target, response.content)
            assert after.state == target and after.version == task.version + 1
            assert ChangeRecord.objects.filter(task_uuid=task.uuid, action="transition").count() == 1
            continue
        assert response.status_code == 400, (source, target, response.status_code)
        detail = response.json()["detail"]
        if via:
            assert Step(via).label in detail and STEP_ENDPOINTS[via] in detail and "不能直接变更状态" in detail, detail
        else:
            assert "不能变更为" in detail, detail
        assert after.state == source and after.version == task.version, (source, target)
        assert ChangeRecord.objects.filter(task_uuid=task.uuid).count() == rows
    assert plain == 3  # assigned, sent_back, reopened → in_progress


def test_office_cannot_accept_its_own_application_through_transition(api_as, world, make_task):
    """The reported case: the review operation refuses the applicant, the transition operation must too."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = make_task()
    client = api_as(world.city_office)
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    applied = client.client.post(f"/api/v1/acceptance/tasks/{task.uuid}/apply",
                                 {"completion_report": "已完成", "version": task.version, "evidence": [pdf]})
    assert applied.status_code == 201, applied.content
    task.refresh_from_db()
    assert task.state == TaskState.APPLIED
    for target in (TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED):
        response = client.post(f"{TASKS}/{task.uuid}/transition", {"state": target, "version": task.version})
        assert response.status_code == 400
    task.refresh_from_db()
    assert task.state == TaskState.APPLIED


@pytest.mark.parametrize("state", list(TaskState))
def test_next_states_lists_only_plain_transitions(api_as, world, make_task, state):
    task = put_in_state(make_task(), state)
    body = api_as(world.city_office).get(f"{TASKS}/{task.uuid}").json()
    assert body["next_states"] == sorted(plain_targets(state))
    assert set(body["next_states"]) <= TASK_TRANSITIONS[state]
    steps = {(s["state"], s["step"]) for s in body["next_steps"]}
    assert steps == {(t, via) for (s, t), via in TRANSITION_VIA.items() if s == state and via}
    assert {s["state"] for s in body["next_steps"]} | set(body["next_states"]) == TASK_TRANSITIONS[state]
    assert all(s["operation"] == STEP_ENDPOINTS[s["step"]] for s in body["next_steps"])


def test_every_step_names_a_real_operation(api_as, world):
    schema = api_as(world.city_office).get("/api/openapi.json").json()
    ops = {f"{m.upper()} {path}" for path, item in schema["paths"].items() for m in item}
    assert set(STEP_ENDPOINTS) == set(Step)
    assert set(STEP_ENDPOINTS.values()) <= ops


def test_every_transition_is_marked(world):
    """Each allowed transition says whether a step owns it; a state a step produces is reached by no plain one."""
    assert set(TRANSITION_VIA) == {(s, t) for s, targets in TASK_TRANSITIONS.items() for t in targets}
    step_produced = {t for (s, t), via in TRANSITION_VIA.items() if via}
    for (source, target), via in TRANSITION_VIA.items():
        if not via:
            assert target not in step_produced, (source, target)


@pytest.mark.parametrize("state", list(TaskState))
def test_start_button_page_only_makes_plain_transitions(login, world, make_task, state):
    """The one page that offers a generic state change (开始整改) never reaches a step-owned state."""
    task = put_in_state(make_task(), state)
    login(world.city_office).post(f"/ledger/{task.uuid}/start/", {"version": task.version})
    after = Task.objects.get(pk=task.pk)
    if after.state != state:
        assert TRANSITION_VIA[(state, after.state)] == "", (state, after.state)
