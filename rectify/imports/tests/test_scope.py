"""Who may import where (the write scope), and which plans each role sees (Plan.visible_to)."""
from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.imports import services
from rectify.imports.models import ImportBatch
from rectify.inspections.models import Plan
from rectify.tasks.models import Assignment, Task

from . import documents
from .helpers import batch_from, confirm, ledger_counts, upload

pytestmark = pytest.mark.django_db

PASSWORD = "Rectify-test-2026"


@pytest.fixture
def dual(world: Any) -> User:
    """整改办 of 太原市 (write) and 领导 of 晋城市 (read only)."""
    user = User.objects.create_user(username="dual", password=PASSWORD)
    RoleGrant.objects.create(user=user, role=Role.OFFICE, region=world.other_city)
    RoleGrant.objects.create(user=user, role=Role.LEADER, region=world.city)
    return User.objects.get(pk=user.pk)


def test_dual_role_upload_offers_only_write_regions(world: Any, login: Any, dual: User, stub_parser: Any) -> None:
    client = login(dual)
    page = client.get(reverse("imports:upload")).content.decode()
    assert "太原市（140100）" in page
    assert "晋城市（140500）" not in page and "晋城市城区（140502）" not in page
    before = ledger_counts()
    # An explicit read-only region is not a valid choice.
    response = upload(client, documents.txt_plan(), "plan.txt", region=world.county)
    assert response.status_code == 200 and "ImportBatch" not in response.content.decode()
    # The document's own region (晋城市城区) is not looked up outside the write scope.
    response = upload(client, documents.txt_plan(), "plan.txt")
    assert response.status_code == 200
    assert "您可管理的区划中没有找到它" in response.content.decode()
    assert not ImportBatch.objects.filter(status=ImportBatch.Status.PREVIEWED).exists()
    assert ledger_counts() == before


def test_dual_role_cannot_see_or_confirm_a_batch_of_the_read_only_region(
    world: Any, login: Any, dual: User, stub_parser: Any
) -> None:
    batch = batch_from(upload(login(world.city_office), documents.txt_plan(), "plan.txt"))
    client = login(dual)
    before = ledger_counts()
    assert client.get(reverse("imports:preview", args=[batch.uuid])).status_code == 404
    assert confirm(client, batch).status_code == 404
    # The service checks again, whoever calls it.
    with pytest.raises(services.ImportFailed, match="没有向“晋城市城区”导入方案的权限"):
        services.apply_import(batch, user=dual)
    with pytest.raises(services.ImportFailed, match="没有向“晋城市城区”导入方案的权限"):
        services.start_import(documents.txt_plan(), "plan.txt", user=dual, region=world.county)
    assert ledger_counts() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_dual_role_cli(world: Any, dual: User, stub_parser: Any, tmp_path: Any) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(documents.txt_plan())
    before = ledger_counts()
    for extra in ([], ["--region", "140502"]):
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_documents", str(path), "--yes", "--user", "dual", *extra, stdout=io.StringIO(), stderr=err)
        assert "您可管理的区划中没有找到它" in err.getvalue() or "没有向“晋城市城区”导入方案的权限" in err.getvalue()
    assert ledger_counts() == before
    # Into the region the user is the office of, it works.
    out = io.StringIO()
    call_command("import_documents", str(path), "--yes", "--user", "dual", "--region", "140100", stdout=out, stderr=io.StringIO())
    assert "导入完成" in out.getvalue()
    assert Plan.objects.get(title=documents.TXT_TITLE).region == world.other_city


# --------------------------------------------------------------------------- plan visibility


@pytest.fixture
def plans(world: Any, make_task: Any) -> dict[str, Plan]:
    """The city plan holds a task of the county unit; another plan of the city holds none of its tasks."""
    from rectify.regions.models import Unit

    make_task(plan=world.plan, region=world.county)  # assigned to 市生态环境局 (lead) and 区生态环境分局
    empty = Plan.objects.create(region=world.city, title="晋城市另一方案")
    county_plan = Plan.objects.create(region=world.county, title="城区自己的方案")
    other_unit = Unit.objects.create(name="城区水务局", region=world.county)
    make_task(plan=county_plan, region=world.county, units={Assignment.Role.RESPONSIBLE: [other_unit]})
    return {"city": world.plan, "empty": empty, "county": county_plan, "other": world.other_plan}


EXPECTED_PLANS = {
    "admin": {"city", "empty", "county", "other"},
    "province_office": {"city", "empty", "county", "other"},
    "city_office": {"city", "empty", "county"},
    "leader": {"city", "empty", "county"},
    "reviewer": {"city", "empty", "county"},
    "lead_unit": {"city"},
    "county_unit": {"city"},
    "other_unit": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED_PLANS))
def test_plan_visible_to_each_role(world: Any, plans: dict[str, Plan], login: Any, who: str) -> None:
    user = User.objects.get(pk=getattr(world, who).pk)
    names = {v.pk: k for k, v in plans.items()}
    expected = EXPECTED_PLANS[who]
    # The queryset itself.
    seen = {names[p.pk] for p in Plan.objects.visible_to(user) if p.pk in names}
    assert seen == expected
    client = login(user)
    # The API plan list.
    response = client.get("/api/v1/plans?page_size=500")
    assert response.status_code == 200
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    titles = {item["title"] for item in items}
    assert titles & {p.title for p in plans.values()} == {plans[k].title for k in expected}
    # The ledger's plan filter: a plan outside the scope is not a valid choice (the filter is refused).
    for key, plan in plans.items():
        page = client.get(reverse("tasks:ledger"), {"plan": plan.pk})
        assert page.status_code == 200
        shown = f"仅显示方案：{plan.title}" in page.content.decode()
        assert shown is (key in expected), (who, key)


def test_unit_ledger_never_names_plans_without_its_tasks(world: Any, plans: dict[str, Plan], login: Any) -> None:
    client = login(world.county_unit)
    text = client.get(reverse("tasks:ledger")).content.decode()
    assert "晋城市另一方案" not in text and "城区自己的方案" not in text
    assert Task.objects.visible_to(world.county_unit).count() == 1
