"""The caller's own notifications through the API; anyone else's answers 404."""
from __future__ import annotations

from typing import Any

from rectify.notifications.models import Notification
from rectify.notifications.services import notify

BASE = "/api/v1/notifications"


def test_list_read_and_read_all(world: Any, api_as: Any, api_token: Any) -> None:
    notify([world.city_office], "督办单已下达", "请及时部署", "/supervision/")
    notify([world.city_office], "调度报送提醒")
    notify([world.other_unit], "别人的通知")
    office = api_token(world.city_office)
    listed = office.get(BASE).json()
    assert listed["count"] == 2 and {n["title"] for n in listed["items"]} == {"督办单已下达", "调度报送提醒"}
    assert office.get(f"{BASE}/unread-count").json() == {"unread": 2}

    first = listed["items"][0]["uuid"]
    read = office.post(f"{BASE}/{first}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert office.get(BASE, {"unread": "true"}).json()["count"] == 1

    others = Notification.objects.get(recipient=world.other_unit)
    assert office.post(f"{BASE}/{others.uuid}/read").status_code == 404
    assert Notification.objects.get(pk=others.pk).read_at is None

    assert office.post(f"{BASE}/read-all").json() == {"marked": 1}
    assert office.get(f"{BASE}/unread-count").json() == {"unread": 0}
    assert api_as(world.other_unit).get(f"{BASE}/unread-count").json() == {"unread": 1}


def test_read_only_token_cannot_mark_read(world: Any, api_token: Any) -> None:
    notify([world.leader], "通知")
    reader = api_token(world.leader, read_only=True)
    assert reader.get(BASE).json()["count"] == 1
    assert reader.post(f"{BASE}/read-all").status_code == 403
    assert Notification.objects.get().read_at is None
