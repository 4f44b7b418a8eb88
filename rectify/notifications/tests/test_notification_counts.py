"""Each user's notification counts kept by the database (``notifications.counters``) on every write path, and the
list and the top bar's badge read from them and from the inbox's index rather than counting or sorting a backlog."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import plan_with_only
from rectify.core.counters import differences
from rectify.notifications.counters import NOTIFICATION_COUNTS
from rectify.notifications.models import Notification
from rectify.notifications.services import counted, mark_all_read, mark_read, notify, unread_count

pytestmark = pytest.mark.django_db


def consistent() -> bool:
    return differences(NOTIFICATION_COUNTS) == []


def test_every_write_moves_the_counts(world: Any) -> None:
    notify([world.county_unit, world.lead_unit], "调度报告待审核")  # one bulk insert
    notify([world.county_unit], "督办单已下达")
    assert counted(world.county_unit) == (2, 2) and counted(world.lead_unit) == (1, 1) and consistent()
    mark_read(Notification.objects.filter(recipient=world.county_unit).order_by("id").first())  # type: ignore[arg-type]
    assert counted(world.county_unit) == (1, 2) and consistent()
    assert mark_all_read(world.county_unit) == 1
    assert counted(world.county_unit) == (0, 2) and unread_count(world.county_unit) == 0 and consistent()
    Notification.objects.filter(recipient=world.county_unit).update(read_at=None)  # a queryset update, raw
    assert counted(world.county_unit) == (2, 2) and consistent()
    Notification.objects.filter(recipient=world.county_unit).update(created_at=timezone.now())  # no count moves
    assert counted(world.county_unit) == (2, 2) and consistent()
    Notification.objects.filter(recipient=world.lead_unit).update(recipient=world.county_unit)  # handed to another
    assert counted(world.county_unit) == (3, 3) and counted(world.lead_unit) == (0, 0) and consistent()
    Notification.objects.filter(title="督办单已下达").delete()
    assert counted(world.county_unit) == (2, 2) and consistent()
    with connection.cursor() as cursor:  # a statement outside the ORM counts too
        cursor.execute("UPDATE notifications_notification SET read_at = %s WHERE recipient_id = %s",
                       [timezone.now(), world.county_unit.pk])
    assert counted(world.county_unit) == (0, 2) and consistent()


def test_a_deleted_user_takes_its_counts_along(world: Any) -> None:
    notify([world.nobody, world.county_unit], "通知")
    world.nobody.delete()  # its notifications go with it (CASCADE)
    assert counted(world.county_unit) == (1, 1) and consistent()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(n), 0) FROM notifications_notificationcount WHERE recipient_id = %s",
                       [world.nobody.pk or -1])
        assert cursor.fetchone()[0] == 0


def test_purging_old_read_notifications_keeps_the_counts(world: Any) -> None:
    from rectify.notifications.jobs import purge_old

    notify([world.county_unit], "旧")
    notify([world.county_unit], "未读")
    Notification.objects.filter(title="旧").update(read_at=timezone.make_aware(datetime.datetime(2026, 1, 1)))
    assert purge_old(today=datetime.date(2026, 11, 23)) == 1
    assert counted(world.county_unit) == (1, 1) and consistent()


def test_the_list_reads_its_total_and_the_badge_from_the_counts(world: Any, login: Any) -> None:
    for i in range(23):
        notify([world.county_unit], f"通知{i:02d}")
    Notification.objects.filter(title__in=["通知00", "通知01", "通知02"]).update(read_at=timezone.now())
    client = login(world.county_unit)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("notifications:list")).content.decode()
    assert "第 1 / 2 页" in html and "共 23 条" in html
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any("COUNT(" in sql.upper() and "notifications_notification" in sql for sql in statements), statements
    assert sum("notifications_notificationcount" in sql for sql in statements) == 1  # the total and the badge: one read
    assert '<span class="badge">20</span>' in html  # the badge: the 20 unread


def test_the_list_pages_unread_first_then_newest(world: Any, login: Any) -> None:
    start = timezone.make_aware(datetime.datetime(2026, 6, 1, 9))
    for i in range(45):
        notify([world.county_unit], f"第{i:02d}条")
    notes = list(Notification.objects.filter(recipient=world.county_unit).order_by("id"))
    for i, note in enumerate(notes):  # created an hour apart; every third one read
        Notification.objects.filter(pk=note.pk).update(created_at=start + datetime.timedelta(hours=i),
                                                       read_at=start + datetime.timedelta(days=3) if i % 3 == 0 else None)
    client = login(world.county_unit)
    shown: list[str] = []
    for number in (1, 2, 3):
        page = client.get(reverse("notifications:list"), {"page": number}).context["page"]
        shown += [note.title for note in page.object_list]
    expected = ([f"第{i:02d}条" for i in reversed(range(45)) if i % 3] + [f"第{i:02d}条" for i in reversed(range(45)) if not i % 3])
    assert shown == expected


def test_the_api_list_counts_from_the_counts(world: Any, login: Any) -> None:
    for i in range(7):
        notify([world.county_unit], f"通知{i}")
    notify([world.lead_unit], "别人的")
    Notification.objects.filter(title__in=["通知0", "通知1"]).update(read_at=timezone.now())
    client = login(world.county_unit)
    every = client.get("/api/v1/notifications", {"page_size": 3}).json()
    unread = client.get("/api/v1/notifications", {"unread": "true", "page_size": 3, "page": 2}).json()
    assert every["count"] == 7 and [n["title"] for n in every["items"]] == ["通知6", "通知5", "通知4"]
    assert unread["count"] == 5 and [n["title"] for n in unread["items"]] == ["通知3", "通知2"]
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 5}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_a_page_of_the_list_is_read_from_the_inbox_index(world: Any) -> None:
    from rectify.notifications.services import inbox_order

    for _ in range(3):
        notify([world.county_unit], "通知")
    keys = inbox_order(Notification.objects.filter(recipient=world.county_unit)).values("pk")[40:60]
    sql, params = keys.query.sql_with_params()
    # with a few rows (the statistics other tests leave) sorting them is cheaper than any index
    plan = plan_with_only("notifications_notification", ("notification_inbox_order",), sql, params, no_bitmap=True)
    assert "Scan using notification_inbox_order" in plan and "Sort" not in plan, plan
