"""Document numbers name their issuer, are unique per issuer and year (a database constraint), and
two offices or two clicks at the same moment never get the same one."""
from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from rectify.acceptance import services
from rectify.acceptance.models import Announcement, Closure
from rectify.core.numbering import CLOSURE, SUPERVISION, issuer_name, next_seq, strip_suffix
from rectify.supervision.services import issue_notice

D = datetime.date


def test_short_names() -> None:
    assert [strip_suffix(n) for n in ("山西省", "晋城市", "泽州县", "城区", "内蒙古自治区", "阿拉善盟", "北京市")] == [
        "山西", "晋城", "泽州", "城区", "内蒙古", "阿拉善", "北京"]


@pytest.mark.django_db
def test_issuer_names_and_the_configured_short_name(world: Any) -> None:
    assert (issuer_name(world.province), issuer_name(world.city), issuer_name(world.county), issuer_name(world.county2)) == (
        "山西", "晋城", "晋城城区", "泽州")
    world.city.short_name = "晋市"
    world.city.save()
    assert issuer_name(world.city) == "晋市" and issuer_name(world.county) == "晋市城区"


def _closable(world: Any, make_task: Any, region: Any) -> Any:
    from rectify.tasks.models import Task
    from rectify.tasks.states import TaskState

    task = make_task(region=region)
    Task.objects.filter(pk=task.pk).update(state=TaskState.ANNOUNCED)
    Announcement.objects.create(task=task, starts_on=D(2026, 11, 2), ends_on=D(2026, 11, 9), working_days=5)
    return Task.objects.get(pk=task.pk)


@pytest.mark.django_db
def test_offices_close_and_supervise_with_their_own_numbers(world: Any, make_task: Any) -> None:
    regions = [world.county, world.county2, world.city, world.other_city, world.province]
    closures = [services.close_task(_closable(world, make_task, r), world.admin, today=D(2026, 12, 3)) for r in regions]
    assert [c.number for c in closures] == ["晋城城区销号〔2026〕1号", "泽州销号〔2026〕1号", "晋城销号〔2026〕1号",
                                            "太原销号〔2026〕1号", "山西销号〔2026〕1号"]
    notices = [issue_notice(make_task(region=r), None, units=[world.unit_county_env], reason="滞后", today=D(2026, 12, 3),
                            automatic=True) for r in regions[:1]]
    assert notices[0].number == "晋城城区督办〔2026〕1号"
    again = services.close_task(_closable(world, make_task, world.county), world.admin, today=D(2026, 12, 4))
    assert again.number == "晋城城区销号〔2026〕2号"
    # The database refuses a repeated number of the same issuer and year, whatever the region.
    with pytest.raises(IntegrityError), transaction.atomic():
        Closure.objects.create(task=again.task, announcement=again.announcement, region=world.county2, issuer="晋城城区",
                               year=2026, seq=2, closed_on=D(2026, 12, 4))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (SQLite serialises every writer)")
@pytest.mark.parametrize("kind", [CLOSURE, SUPERVISION])
def test_concurrent_numbers_never_repeat(kind: str) -> None:
    from django.db import connections

    workers = 8
    barrier = threading.Barrier(workers)
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(issuer: str) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                seq = next_seq(kind, issuer, 2026)
                threading.Event().wait(0.05)  # hold the transaction open while the others try
            with lock:
                taken.append(seq) if issuer == "晋城" else None
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=("晋城" if i % 2 == 0 else "泽州",)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(taken) == list(range(1, workers // 2 + 1))
    assert next_seq(kind, "泽州", 2026) == workers // 2 + 1


@pytest.mark.django_db
def test_the_migration_names_the_issuers_of_stored_numbers_and_starts_counters_after_them(world: Any, make_task: Any) -> None:
    from django.apps import apps

    from rectify.core.migration_helpers import fill_issuers
    from rectify.core.models import DocumentCounter

    stored = []
    for region, seq in ((world.county, 1), (world.county2, 1), (world.county, 7)):
        task = _closable(world, make_task, region)
        announcement = task.announcements.get()
        stored.append(Closure.objects.create(task=task, announcement=announcement, region=region, issuer=f"旧{seq}{region.code}",
                                             year=2025, seq=seq, closed_on=D(2025, 6, 1)))
    fill_issuers(apps, "acceptance", "Closure", CLOSURE)
    assert [Closure.objects.get(pk=c.pk).number for c in stored] == ["晋城城区销号〔2025〕1号", "泽州销号〔2025〕1号", "晋城城区销号〔2025〕7号"]
    assert DocumentCounter.objects.get(kind=CLOSURE, issuer="晋城城区", year=2025).last == 7
    assert next_seq(CLOSURE, "晋城城区", 2025) == 8
