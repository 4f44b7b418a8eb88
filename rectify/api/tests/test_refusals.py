"""Every refusal reaches the API through one handler: status, Chinese detail, code (core.refusals)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_answers_a_refused_transition_with_its_code(api_as, world, make_task) -> None:
    task = make_task()
    response = api_as(world.city_office).post(f"/api/v1/tasks/{task.uuid}/transition", {"state": "closed", "version": task.version})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "transition_refused" and body["status"] == 400 and "不能变更为" in body["detail"]
