"""The generic list view (``rectify.core.views.lists.ScopedListView``): a page cannot forget the scope, a model
without scope is listed only by a page that says who may see it, the action is asked, and every list page of
the apps (but the ledger) is one of them."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from rectify.accounts.models import LoginEvent
from rectify.core.views.lists import ScopedListView
from rectify.inspections.models import Inspection
from rectify.notifications.models import Notification


def view_of(view_class: type[ScopedListView], user: Any, query: dict[str, str] | None = None) -> ScopedListView:
    request = RequestFactory().get("/list/", query or {})
    request.user = user
    view = view_class()
    view.setup(request)
    return view


class BareInspections(ScopedListView):
    """A page that says nothing about scope."""

    model = Inspection


@pytest.fixture
def two_cities(world: SimpleNamespace) -> SimpleNamespace:
    world.other_inspection = Inspection.objects.create(team="太原督察组", level="provincial", target_region=world.other_city,
                                                       feedback_date=datetime.date(2024, 1, 1))
    return world


@pytest.mark.django_db
def test_a_page_that_names_no_scope_is_still_scoped(two_cities: SimpleNamespace) -> None:
    w = two_cities
    assert set(Inspection.objects.all()) == {w.inspection, w.other_inspection}
    assert list(view_of(BareInspections, w.city_office).get_queryset()) == [w.inspection]
    assert list(view_of(BareInspections, w.other_unit).get_queryset()) == [w.other_inspection]
    assert set(view_of(BareInspections, w.admin).get_queryset()) == {w.inspection, w.other_inspection}


def test_a_page_cannot_replace_the_scoped_queryset() -> None:
    with pytest.raises(TypeError, match="narrow"):
        class Unscoped(ScopedListView):  # noqa: F841  (the class statement is the test)
            model = Inspection

            def get_queryset(self) -> Any:
                return Inspection.objects.all()


@pytest.mark.django_db
def test_a_model_without_scope_needs_an_owner_or_an_action(world: SimpleNamespace) -> None:
    class Logins(ScopedListView):
        model = LoginEvent

    with pytest.raises(ImproperlyConfigured, match="owner_field or the action"):
        view_of(Logins, world.admin).get_queryset()

    class Mine(ScopedListView):
        model = Notification
        owner_field = "recipient"

    Notification.objects.create(recipient=world.city_office, title="给我的")
    Notification.objects.create(recipient=world.county_unit, title="给别人的")
    assert [n.title for n in view_of(Mine, world.city_office).get_queryset()] == ["给我的"]


@pytest.mark.django_db
def test_the_action_is_asked_and_anonymous_visitors_sign_in(world: SimpleNamespace) -> None:
    class Audit(ScopedListView):
        model = LoginEvent
        action = "system.audit_log"
        denied = "只有系统管理员可以查看"

    with pytest.raises(PermissionDenied, match="只有系统管理员可以查看"):
        Audit.as_view()(view_of(Audit, world.city_office).request)
    anonymous = Audit.as_view()(view_of(Audit, AnonymousUser()).request)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


@pytest.mark.django_db
def test_without_a_registered_permission_check_a_page_with_an_action_is_refused(world: SimpleNamespace,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """accounts registers its ``can`` at startup (``AccountsConfig.ready``); were it missing, core fails closed."""
    from rectify.accounts.permissions import can
    from rectify.core import hooks

    class Audit(ScopedListView):
        model = LoginEvent
        action = "system.audit_log"

    assert hooks._permission_check == [can]
    assert Audit.as_view()(view_of(Audit, world.admin).request).status_code == 200
    monkeypatch.setattr(hooks, "_permission_check", [])
    with pytest.raises(PermissionDenied):
        Audit.as_view()(view_of(Audit, world.admin).request)
    assert BareInspections.as_view()(view_of(BareInspections, world.admin).request).status_code == 200  # no action: not asked


@pytest.mark.django_db
def test_filters_and_the_empty_text(world: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    client = login(world.admin)
    LoginEvent.objects.create(username="zhangsan", kind=LoginEvent.Kind.LOGIN, success=False)
    LoginEvent.objects.create(username="lisi", kind=LoginEvent.Kind.LOGIN, success=True)
    page = client.get(reverse("accounts:login_events"), {"result": "failed"})
    assert [e.username for e in page.context["page"].object_list] == ["zhangsan"]
    html = page.content.decode()
    assert 'aria-label="分页"' not in html and "zhangsan" in html and "lisi" not in html
    assert 'id="id_username"' in html and '<option value="failed" selected>仅失败</option>' in html
    # An invalid choice is ignored (as before), a valid filter still applies.
    assert [e.username for e in client.get(reverse("accounts:login_events"), {"result": "x", "username": "li"}).context["page"]] == ["lisi"]
    jobs = login(world.admin).get(reverse("jobs:list"), {"status": "running"}).content.decode()
    assert "没有该状态的后台任务。" in jobs


LIST_VIEWS = ["accounts:login_events", "accounts:data_access_log", "jobs:list", "notifications:list", "inspections:list",
              "acceptance:look_backs", "acceptance:filings", "acceptance:public_list", "supervision:list", "supervision:mine"]


def test_the_list_pages_are_scoped_list_views() -> None:
    for name in LIST_VIEWS:
        view = resolve(reverse(name)).func
        assert issubclass(view.view_class, ScopedListView), name  # type: ignore[attr-defined]
    rounds = resolve(reverse("dispatch:round_reports", args=["00000000-0000-0000-0000-000000000000"])).func
    assert issubclass(rounds.view_class, ScopedListView)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_page_of_one_records_rows_asks_about_that_record(world: SimpleNamespace, make_task: Callable[..., Any],
                                                           login: Callable[[Any], Client]) -> None:
    from rectify.dispatch import services as dispatch

    make_task()  # the county unit reports on it, so it sees the round

    round_ = dispatch.open_round(world.city_office, region=world.city, title="2026年11月调度", period_start=datetime.date(2026, 11, 1),
                                 period_end=datetime.date(2026, 11, 30), due_date=datetime.date(2026, 11, 30))
    url = reverse("dispatch:round_reports", args=[round_.uuid])
    assert login(world.city_office).get(url).status_code == 200
    assert login(world.county_unit).get(url).status_code == 403  # sees the round, may not read all its reports
    assert login(world.other_unit).get(url).status_code == 404  # outside the round's scope
