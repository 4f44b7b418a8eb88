"""The security logs (sign-ins, personal data read) as pages of a log that only grows: newest first from the index of
their order, never counted whole, the username matched from its beginning through its index."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rectify.accounts.models import LoginEvent, PersonalDataAccess
from rectify.accounts.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime.datetime(2026, 6, 1, 8))


def sign_ins(count: int, username: str = "user") -> list[LoginEvent]:
    """``count`` sign-ins a minute apart, some at the same minute as another (ties broken by the id)."""
    return LoginEvent.objects.bulk_create([
        LoginEvent(username=f"{username}{i % 7}", kind=LoginEvent.Kind.LOGIN, success=bool(i % 5),
                   at=START + datetime.timedelta(minutes=i - i % 3)) for i in range(count)])


def test_the_sign_ins_are_paged_newest_first_without_a_count(world: Any, login: Any) -> None:
    sign_ins(PAGE_SIZE * 2 + 7)
    client = login(world.admin)
    shown: list[int] = []
    for number in (1, 2, 3, 4):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("accounts:login_events"), {"page": number})
        assert not any("COUNT(" in q["sql"].upper() and "accounts_loginevent" in q["sql"] for q in queries.captured_queries)
        page = response.context["page"]
        shown += [event.pk for event in page.object_list]
        html = response.content.decode()
        assert f"第 {page.number} 页" in html and "共" not in html.split('aria-label="分页"')[-1].split("</nav>")[0]
    expected = list(LoginEvent.objects.order_by("-at", "-pk").values_list("pk", flat=True))
    assert shown == expected  # nothing lost, nothing twice; page 4, past the end, is empty and links back only
    past = response.context["page"]
    assert not past.object_list and not past.has_next() and past.has_previous()


def test_the_username_matches_from_its_beginning(world: Any, login: Any) -> None:
    for name in ("lisi", "lisi2", "zhanglisi", "Lisi"):
        LoginEvent.objects.create(username=name, kind=LoginEvent.Kind.FAILURE, success=False)
    client = login(world.admin)
    found = client.get(reverse("accounts:login_events"), {"username": "lisi"}).context["page"].object_list
    # SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's does not, as a username does not
    expected = ["lisi", "lisi2"] if connection.vendor == "postgresql" else ["Lisi", "lisi", "lisi2"]
    assert sorted(event.username for event in found) == expected
    failed = client.get(reverse("accounts:login_events"), {"username": "zhang", "result": "failed"}).context["page"]
    assert [event.username for event in failed.object_list] == ["zhanglisi"]


def test_the_personal_data_log_is_paged_without_a_count(world: Any, login: Any) -> None:
    PersonalDataAccess.objects.bulk_create([PersonalDataAccess(user=world.city_office, what="查看信访人联系方式", object_repr=f"信访件{i}",
                                                               at=START + datetime.timedelta(minutes=i)) for i in range(PAGE_SIZE + 3)])
    client = login(world.admin)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("accounts:data_access_log")).context["page"]
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries if "personaldataaccess" in q["sql"])
    second = client.get(reverse("accounts:data_access_log"), {"page": 2}).context["page"]
    assert [a.object_repr for a in second.object_list] == ["信访件2", "信访件1", "信访件0"] and first.has_next()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
@pytest.mark.parametrize(("model", "index"), [(LoginEvent, "loginevent_at_order"), (PersonalDataAccess, "dataaccess_at_order")])
def test_a_page_of_a_log_is_read_backwards_from_its_order_index(model: Any, index: str) -> None:
    keys = model.objects.order_by("-at", "-pk").values("pk")[500:551]
    sql, params = keys.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty test table: the index is shown usable, not chosen
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Index Only Scan Backward using {index}" in plan and "Sort" not in plan, plan
