"""notify(), the user's notification page, the open-redirect guard and the unread badge tag."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from rectify.notifications.models import Notification
from rectify.notifications.services import is_local_url, notify

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def locmem_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = LOCMEM


def test_notify_creates_one_row_per_distinct_user(world: Any) -> None:
    n = notify([world.county_unit, world.lead_unit, world.county_unit], "整改任务即将到期", "请于 12 月 31 日前报送进展。", url="/ledger/")
    assert n == 2
    rows = Notification.objects.order_by("recipient__username")
    assert [r.recipient for r in rows] == [world.county_unit, world.lead_unit]
    assert all(r.read_at is None and r.url == "/ledger/" and r.emailed_at is None for r in rows)
    assert mail.outbox == []
    assert notify([], "空") == 0


def test_notify_rejects_empty_title_and_drops_offsite_url(world: Any) -> None:
    with pytest.raises(ValueError, match="标题"):
        notify([world.county_unit], "  ")
    notify([world.county_unit], "请查看", url="https://evil.example/phish")
    assert Notification.objects.get().url == ""


def test_notify_sends_one_mail_after_commit(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    world.county_unit.email = "county@example.cn"
    world.county_unit.save()
    assert not world.lead_unit.email
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert notify([world.county_unit, world.lead_unit], "督办提醒", "任务 3 已逾期。", url="/ledger/", email=True) == 2
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["county@example.cn"]
    assert "督办提醒" in message.subject and "任务 3 已逾期。" in message.body and "/ledger/" in message.body
    emailed = {n.recipient_id: n.emailed_at for n in Notification.objects.all()}
    assert emailed[world.county_unit.pk] is not None and emailed[world.lead_unit.pk] is None


def test_no_mail_when_the_transaction_rolls_back(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    world.county_unit.email = "county@example.cn"
    world.county_unit.save()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify([world.county_unit], "督办提醒", email=True)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert mail.outbox == [] and not Notification.objects.exists()


def test_list_shows_own_notifications_unread_first(world: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    notify([world.county_unit], "旧的已读通知")
    Notification.objects.update(read_at=timezone.now(), created_at=timezone.now() - datetime.timedelta(days=1))
    for i in range(25):
        notify([world.county_unit], f"未读通知{i:02d}")
    notify([world.lead_unit], "别人的通知")
    client = login(world.county_unit)
    with django_assert_max_num_queries(10):  # session, user, roles, unit, count, page … never per row
        response = client.get(reverse("notifications:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "别人的通知" not in html
    assert "未读通知24" in html and "旧的已读通知" not in html  # unread first; the read one is on page 2
    assert "第 1 / 2 页" in html
    page2 = client.get(reverse("notifications:list"), {"page": 2}).content.decode()
    assert "旧的已读通知" in page2


def test_empty_list(world: Any, login: Any) -> None:
    html = login(world.nobody).get(reverse("notifications:list")).content.decode()
    assert "暂无通知" in html


def test_open_marks_read_and_redirects_to_local_url(world: Any, login: Any) -> None:
    notify([world.county_unit], "请报送进展", url="/ledger/?state=in_progress")
    note = Notification.objects.get()
    client = login(world.county_unit)
    assert client.get(reverse("notifications:open", args=[note.uuid])).status_code == 405
    response = client.post(reverse("notifications:open", args=[note.uuid]))
    assert response.status_code == 302 and response["Location"] == "/ledger/?state=in_progress"
    note.refresh_from_db()
    assert note.read_at is not None
    first_read = note.read_at
    client.post(reverse("notifications:open", args=[note.uuid]))
    note.refresh_from_db()
    assert note.read_at == first_read


def test_another_users_notification_is_404(world: Any, login: Any) -> None:
    notify([world.lead_unit], "别人的通知", url="/ledger/")
    note = Notification.objects.get()
    response = login(world.county_unit).post(reverse("notifications:open", args=[note.uuid]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.parametrize("url", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "http:/evil.example", "\\\\evil", "/ok\n/x",
])
def test_open_never_redirects_off_site(world: Any, login: Any, url: str) -> None:
    # Stored directly, as if written by older code: the view still refuses it.
    note = Notification.objects.create(recipient=world.county_unit, title="外部链接", url=url)
    assert not is_local_url(url)
    response = login(world.county_unit).post(reverse("notifications:open", args=[note.uuid]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")


def test_read_all_marks_only_own(world: Any, login: Any) -> None:
    notify([world.county_unit, world.lead_unit], "统一通知")
    notify([world.county_unit], "第二条")
    client = login(world.county_unit)
    assert client.get(reverse("notifications:read_all")).status_code == 405
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert not Notification.objects.filter(recipient=world.county_unit, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.lead_unit, read_at__isnull=True).count() == 1


def test_pages_need_login(client: Any, world: Any) -> None:
    assert client.get(reverse("notifications:list")).status_code == 302
    assert client.post(reverse("notifications:read_all")).status_code == 302


def test_unread_count_tag(world: Any, django_assert_max_num_queries: Any) -> None:
    notify([world.county_unit], "一")
    notify([world.county_unit], "二")
    notify([world.lead_unit], "别人的")
    request = RequestFactory().get("/")
    request.user = world.county_unit
    template = Template("{% load notifications_tags %}{% unread_count as n %}[{{ n }}]{% unread_count %}")
    with django_assert_max_num_queries(1):
        assert template.render(Context({"request": request, "user": world.county_unit})) == "[2]2"
    from django.contrib.auth.models import AnonymousUser

    anon = RequestFactory().get("/")
    anon.user = AnonymousUser()
    assert Template("{% load notifications_tags %}{% unread_count %}").render(Context({"request": anon})) == "0"
    from rectify.notifications.services import mark_read, unread_count

    mark_read(Notification.objects.filter(recipient=world.county_unit).first())
    assert unread_count(world.county_unit) == 1 and unread_count(world.lead_unit) == 1  # a read one is not counted


def test_purge_old_read_notifications(world: Any) -> None:
    from rectify.notifications.jobs import purge_old

    notify([world.county_unit], "旧")
    notify([world.county_unit], "新")
    notify([world.county_unit], "旧但未读")
    today = datetime.date(2026, 11, 23)
    long_ago = timezone.make_aware(datetime.datetime(2026, 1, 1))
    Notification.objects.filter(title="旧").update(read_at=long_ago)
    Notification.objects.filter(title="新").update(read_at=timezone.make_aware(datetime.datetime(2026, 11, 1)))
    Notification.objects.filter(title="旧但未读").update(created_at=long_ago)
    assert purge_old(today=today) == 1
    assert purge_old(today=today) == 0
    assert set(Notification.objects.values_list("title", flat=True)) == {"新", "旧但未读"}


NAV_SNIPPET = (
    "{% load notifications_tags %}{% unread_count as unread %}"
    "<a href=\"{% url 'notifications:list' %}\" {% if request.resolver_match.app_name == 'notifications' %}class=\"active\"{% endif %}>"
    "通知{% if unread %} <span class=\"tag\">{{ unread }}</span>{% endif %}</a>"
)


def test_nav_snippet_for_base_html(world: Any, login: Any) -> None:
    """The line proposed for base.html's nav renders the badge only when there is something unread."""
    request = RequestFactory().get("/")
    request.user = world.county_unit
    assert "tag" not in Template(NAV_SNIPPET).render(Context({"request": request, "user": world.county_unit}))
    notify([world.county_unit], "一")
    request = RequestFactory().get("/")
    request.user = world.county_unit
    html = Template(NAV_SNIPPET).render(Context({"request": request, "user": world.county_unit}))
    assert 'href="/notifications/"' in html and '<span class="tag">1</span>' in html
