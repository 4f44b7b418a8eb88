"""Answers kept per process until the database says their tables changed (``rectify.core.generations``):
every way of writing a followed table renews its token, a write rolled back leaves no answer behind, and the
pages show what changed on their next load (on SQLite and on PostgreSQL: the triggers are each engine's)."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import travel_with_fresh_passwords
from rectify.core import generations
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Region
from rectify.supervision.models import LightRule

pytestmark = pytest.mark.django_db


def region_count() -> Callable[[], int]:
    """``cached`` of the number of regions, and how many times it was counted."""
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return Region.objects.count()

    def ask() -> int:
        return generations.cached([Region], "regions counted", count)

    ask.calls = calls  # type: ignore[attr-defined]
    return ask


def new_region(world: SimpleNamespace, code: str) -> Region:
    return Region(code=code, name=f"测试区{code}", level="county", parent=world.city, path=f"{world.city.path}{code}/")


WRITES: dict[str, Callable[[SimpleNamespace, Region], Any]] = {
    "save": lambda w, spare: new_region(w, "140581").save(),
    "bulk_create": lambda w, spare: Region.objects.bulk_create([new_region(w, "140581"), new_region(w, "140582")]),
    "queryset delete": lambda w, spare: Region.objects.filter(pk=spare.pk).delete(),
    "raw SQL": lambda w, spare: connection.cursor().execute(
        "INSERT INTO regions_region (code, name, short_name, level, parent_id, path) VALUES (%s, %s, '', %s, %s, %s)",
        ["140581", "测试区", "county", w.city.pk, f"{w.city.path}140581/"]),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_an_answer_is_kept_until_its_table_is_written(world: SimpleNamespace, write: str) -> None:
    spare = new_region(world, "140589")
    spare.save()
    generations.forget()
    ask = region_count()
    before = ask()
    assert ask() == before and len(ask.calls) == 1  # type: ignore[attr-defined]
    WRITES[write](world, spare)
    assert ask() == Region.objects.count() != before
    assert len(ask.calls) == 2  # type: ignore[attr-defined]


def test_an_update_renews_the_token_of_the_table_it_writes_only(world: SimpleNamespace) -> None:
    tokens = dict(generations.tokens("default"))
    Region.objects.filter(pk=world.county.pk).update(name="城区")
    after = generations.tokens("default")
    assert after["regions_region"] != tokens["regions_region"]
    assert after["supervision_lightrule"] == tokens["supervision_lightrule"]


def test_a_write_rolled_back_leaves_no_answer_behind(world: SimpleNamespace) -> None:
    """A token is random: after a rollback, a later write gets a token of its own, never the rolled-back one
    under which the process kept the rolled-back state (a counter would give the same number again)."""
    generations.forget()
    ask = region_count()
    before = ask()
    with pytest.raises(RuntimeError), transaction.atomic():
        Region.objects.bulk_create([new_region(world, "140581"), new_region(world, "140582")])
        assert ask() == before + 2
        raise RuntimeError("rolled back")
    assert ask() == before
    new_region(world, "140583").save()
    assert ask() == before + 1


def test_a_table_without_a_token_is_not_kept(world: SimpleNamespace) -> None:
    generations.forget()
    ask = region_count()
    connection.cursor().execute("DELETE FROM core_generation WHERE name = 'regions_region'")
    ask()
    ask()
    assert len(ask.calls) == 2  # type: ignore[attr-defined]


def test_a_memo_reads_the_tokens_once(world: SimpleNamespace) -> None:
    with generations.memo(), CaptureQueriesContext(connection) as queries:
        generations.tokens("default")
        with generations.memo():
            generations.tokens("default")
        generations.tokens("default")
    assert len(queries) == 1


def test_a_ledger_page_reads_the_tokens_once(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    make_task()
    client = login(world.city_office)
    client.get("/ledger/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/ledger/").status_code == 200
    assert sum("core_generation" in q["sql"] for q in queries) == 1
    assert not any(f'FROM "{table}"' in q["sql"] for q in queries for table in ("supervision_lightrule", "inspections_inspection"))


def test_the_ledger_shows_an_inspection_renamed_and_one_added_on_its_next_load(world: SimpleNamespace, login: Any) -> None:
    client = login(world.city_office)
    assert "省第三生态环境保护督察组" in client.get("/ledger/").content.decode()
    Inspection.objects.filter(pk=world.inspection.pk).update(team="省第五生态环境保护督察组")  # no signal sent
    page = client.get("/ledger/").content.decode()
    assert "省第五生态环境保护督察组" in page and "省第三生态环境保护督察组" not in page
    added = Inspection.objects.create(team="中央第二生态环境保护督察组", level="central", round=2, target_region=world.province)
    assert "中央第二生态环境保护督察组" not in client.get("/ledger/").content.decode()  # not of the city's regions
    Plan.objects.create(inspection=added, region=world.city, title="晋城市落实中央督察整改方案")
    assert "中央第二生态环境保护督察组" in client.get("/ledger/").content.decode()


def test_the_ledger_shows_a_light_rule_changed_on_its_next_load(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    today = datetime.date(2026, 6, 1)
    with travel_with_fresh_passwords(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC)):
        make_task(deadline=today + datetime.timedelta(days=30))
        client = login(world.city_office)
        assert "light-green" in client.get("/ledger/").content.decode()
        LightRule.objects.create(region=world.city, yellow_days_before_deadline=60)
        assert "light-yellow" in client.get("/ledger/").content.decode()
        LightRule.objects.filter(region=world.city).update(yellow_days_before_deadline=10)
        assert "light-green" in client.get("/ledger/").content.decode()


def test_a_grant_given_or_taken_changes_the_scope_on_the_next_request(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    """The grants are kept per process (``User.grants``): a grant written by the admin site, a queryset or raw
    SQL is the scope of the very next request, on every app server."""
    from rectify.accounts.models import RoleGrant
    from rectify.accounts.roles import Role

    task = make_task(region=world.county2)
    client = login(world.other_unit)
    assert client.get(f"/ledger/{task.uuid}/").status_code == 404
    grant = RoleGrant.objects.create(user=world.other_unit, role=Role.OFFICE, region=world.county2)
    assert client.get(f"/ledger/{task.uuid}/").status_code == 200
    RoleGrant.objects.filter(pk=grant.pk).delete()
    assert client.get(f"/ledger/{task.uuid}/").status_code == 404


def test_a_unit_renamed_is_the_grants_unit_on_the_next_request(world: SimpleNamespace, login: Any) -> None:
    from rectify.regions.models import Unit

    client = login(world.county_unit)
    client.get("/ledger/")
    Unit.objects.filter(pk=world.unit_county_env.pk).update(name="城区生态环境保护分局")
    user = client.get("/ledger/").wsgi_request.user
    assert [g.unit.name for g in user.grants] == ["城区生态环境保护分局"]


def test_each_request_gets_grants_of_its_own(world: SimpleNamespace) -> None:
    """Kept pickled: a request that changes its grant objects changes no other request's."""
    from rectify.accounts.models import User

    first = User.objects.get(pk=world.city_office.pk).grants
    first[0].region.name = "改过的名称"
    first.append(first[0])
    second = User.objects.get(pk=world.city_office.pk).grants
    assert len(second) == 1 and second[0].region.name == world.city.name


def test_a_saved_filter_shows_and_goes_on_the_next_load(world: SimpleNamespace, login: Any) -> None:
    client = login(world.city_office)
    assert "近期督办" not in client.get("/ledger/").content.decode()
    client.post("/ledger/filters/save/", {"name": "近期督办", "query": "overdue=on"})
    page = client.get("/ledger/").content.decode()
    assert "近期督办" in page
    from rectify.core.models import SavedFilter

    SavedFilter.objects.filter(user=world.city_office).update(name="逾期任务")  # no signal sent
    page = client.get("/ledger/").content.decode()
    assert "逾期任务" in page and "近期督办" not in page
    SavedFilter.objects.filter(user=world.city_office).delete()
    assert "逾期任务" not in client.get("/ledger/").content.decode()
