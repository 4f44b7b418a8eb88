"""Each task's latest announcement and its latest published one (``Announcement.is_latest``,
``is_latest_published``, kept by triggers): the lists read from them answer what the queries that compared
each announcement with its task's others answered (kept here verbatim) — same rows, order, counts and pages
for every role — and the flags are right however an announcement is written, moved, withdrawn or deleted."""
from __future__ import annotations

import datetime
import random
import threading
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse

from conftest import FIXED_NOW
from rectify.acceptance import views
from rectify.acceptance.models import Announcement, Objection
from rectify.acceptance.todo import announcements_ended
from rectify.accounts.roles import Role
from rectify.core import copies
from rectify.notifications.todo import file_entry, role_tasks
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]
TODAY = FIXED_NOW.date()
R = Objection.Resolution
FLAGS = ("announcement_latest", "announcement_latest_published", "announcement_task_state")


def ended_before(user: Any, today: datetime.date) -> QuerySet[Task]:
    """``announcements_ended`` as it was: each ended announcement asked whether a later one of its task exists."""
    later = Announcement.objects.filter(task_id=OuterRef("task_id"), pk__gt=OuterRef("pk"))
    blocking = Objection.objects.filter(announcement_id=OuterRef("pk")).exclude(resolution=Objection.Resolution.REJECTED)
    ended = Announcement.objects.filter(ends_on__lt=today).exclude(Exists(later)).exclude(Exists(blocking)).values("task_id")
    latest = Announcement.objects.filter(task=OuterRef("pk")).order_by("-id")
    return (role_tasks(user, Role.OFFICE).filter(state=TaskState.ANNOUNCED, pk__in=ended)
            .annotate(latest_end=Subquery(latest.values("ends_on")[:1])).select_related("region").order_by("latest_end", "id"))


def public_before() -> QuerySet[Announcement]:
    """The public list as it was: each published announcement compared with its task's latest published one."""
    latest = Announcement.objects.filter(task=OuterRef("task"), published=True).order_by("-id").values("pk")[:1]
    return Announcement.objects.filter(published=True, pk=Subquery(latest)).order_by("-starts_on", "-id")


def expected_flags() -> dict[int, tuple[bool, bool]]:
    """Each announcement's two flags, worked out here from all the rows."""
    rows = list(Announcement.objects.order_by("id").values_list("id", "task_id", "published"))
    latest = {task: pk for pk, task, _ in rows}
    published = {task: pk for pk, task, shown in rows if shown}
    return {pk: (latest[task] == pk, published.get(task) == pk) for pk, task, _ in rows}


def stored_flags() -> dict[int, tuple[bool, bool]]:
    return {pk: (a, b) for pk, a, b in Announcement.objects.order_by("id").values_list("id", "is_latest", "is_latest_published")}


def assert_flags_right() -> None:
    assert stored_flags() == expected_flags()
    assert {name: rows for name, rows in copies.check_all().items() if name in FLAGS} == {name: [] for name in FLAGS}


def period(task: Task, ends_in: int, *, published: bool = True, starts_back: int = 7) -> Announcement:
    ends = TODAY + datetime.timedelta(days=ends_in)
    return Announcement(task=task, starts_on=ends - datetime.timedelta(days=starts_back), ends_on=ends, working_days=5, published=published)


@pytest.fixture
def varied(world: Any, make_task: Any) -> list[Task]:
    """Tasks over the city's counties, the city and another city, in announcement or past it, with 0–4
    announcements each (some withdrawn, some on the same days), ending around today, with objections open,
    upheld and rejected; written one by one and in bulk."""
    rng = random.Random(20260615)
    places = [(world.county, world.plan), (world.county2, world.plan), (world.city, world.plan), (world.other_city, world.other_plan)]
    states = [TaskState.ANNOUNCED] * 4 + [TaskState.CLOSED, TaskState.ACCEPTED, TaskState.ASSIGNED]
    tasks = []
    for n in range(36):
        region, plan = places[n % len(places)]
        task = make_task(region=region, plan=plan)
        Task.objects.filter(pk=task.pk).update(state=rng.choice(states))
        periods = [period(task, rng.randint(-12, 4), published=rng.random() < 0.8, starts_back=rng.choice([5, 7, 9]))
                   for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4]))]
        if n % 3 == 0:
            Announcement.objects.bulk_create(periods)  # no save(): the triggers alone flag them
        else:
            for item in periods:
                item.save()
        for item in Announcement.objects.filter(task=task):
            for resolution in rng.sample([R.PENDING, R.UPHELD, R.REJECTED, R.REJECTED], rng.choice([0, 0, 1, 2])):
                Objection.objects.create(announcement=item, received_on=item.ends_on, content="异议", resolution=resolution)
        tasks.append(task)
    return tasks


def test_the_flags_of_varied_data_are_right(varied: list[Task]) -> None:
    assert_flags_right()
    assert Announcement.objects.filter(is_latest=True).exclude(is_latest_published=True).exists()  # a withdrawn latest one


@pytest.mark.parametrize("shift", [-4, 0, 3])
def test_the_ended_list_answers_what_it_did(varied: list[Task], world: Any, shift: int) -> None:
    today = TODAY + datetime.timedelta(days=shift)
    listed = 0
    for user in (world.admin, world.province_office, world.city_office, world.county_unit, world.nobody):
        expected = [(t.pk, t.latest_end) for t in ended_before(user, today)]
        pending = announcements_ended(user, 100, today=today)
        assert [(a.task_id, a.latest_end) for a in pending.rows] == expected
        assert pending.resolve(len(expected)).entries == [file_entry(t, f"{t.latest_end:%Y-%m-%d}期满") for t in ended_before(user, today)]
        assert pending.rows.count() == pending.to_count.count() == len(expected)  # counted from the tasks in announcement
        listed += len(expected)
    assert listed > 0


def test_the_ended_list_follows_the_tasks_state(varied: list[Task], world: Any) -> None:
    """A task closed, reopened or announced again (its state carried to its announcements' copy) leaves or joins the list."""
    listed = [a.task_id for a in announcements_ended(world.admin, 100, today=TODAY).rows]
    Task.objects.filter(pk=listed[0]).update(state=TaskState.CLOSED)
    Task.objects.filter(pk__in=Announcement.objects.filter(task_state=TaskState.CLOSED).values("task_id")[:3]).update(state=TaskState.ANNOUNCED)
    expected = [(t.pk, t.latest_end) for t in ended_before(world.admin, TODAY)]
    assert [(a.task_id, a.latest_end) for a in announcements_ended(world.admin, 100, today=TODAY).rows] == expected
    assert listed[0] not in [pk for pk, _ in expected]
    assert_flags_right()


def test_the_public_list_answers_what_it_did(varied: list[Task], client: Any) -> None:
    expected = list(public_before().values_list("pk", flat=True))
    assert list(views._public_announcements(Announcement.objects.all()).values_list("pk", flat=True)) == expected
    order = {pk: n for n, pk in enumerate(expected)}
    uuids = [str(a.task.uuid) for a in sorted(Announcement.objects.select_related("task").filter(pk__in=expected),
                                                key=lambda a: order[a.pk])]
    size, pages = 7, -(-len(uuids) // 7)
    original = views.PublicList.paginate_by
    views.PublicList.paginate_by = size
    try:
        for n in range(1, pages + 1):
            page = client.get(reverse("acceptance:public_list"), {"page": n}).content.decode()
            on_page = sorted((page.index(uuid), uuid) for uuid in uuids if uuid in page)
            assert [uuid for _, uuid in on_page] == uuids[(n - 1) * size:n * size]
            assert f"第 {n} / {pages} 页，共 {len(uuids)} 条" in page
    finally:
        views.PublicList.paginate_by = original


def test_the_flags_follow_every_write(world: Any, make_task: Any) -> None:
    first, second = make_task(), make_task()
    a = period(first, -5)
    a.save()
    b = period(first, -2)
    b.save()
    withdrawn = period(first, 1, published=False)
    withdrawn.save()
    assert_flags_right()
    assert stored_flags()[withdrawn.pk] == (True, False) and stored_flags()[b.pk] == (False, True)
    Announcement.objects.filter(pk=withdrawn.pk).update(published=True)  # published after all
    assert_flags_right()
    Announcement.objects.filter(pk=b.pk).update(published=False)  # an earlier one withdrawn: changes nothing latest
    assert_flags_right()
    Announcement.objects.filter(pk=withdrawn.pk).update(task=second)  # moved to another task: both tasks recounted
    assert_flags_right()
    assert stored_flags()[a.pk] == (False, True) and stored_flags()[b.pk] == (True, False)  # b withdrawn: a is shown
    Announcement.objects.bulk_create([period(second, -1), period(second, 2, published=False), period(first, 3)])
    assert_flags_right()
    Announcement.objects.filter(task=second).order_by("-id")[0].delete()  # the latest deleted: the one before is latest again
    assert_flags_right()
    Announcement.objects.filter(task=first).delete()
    assert_flags_right()
    Announcement.objects.filter(pk=b.pk).update(ends_on=TODAY)  # no longer there: an update of nothing
    assert Announcement.objects.filter(task=first).count() == 0


def test_announcing_through_the_service_flags_the_new_period(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    Task.objects.filter(pk=task.pk).update(state=TaskState.ACCEPTED)
    old = period(task, -30)
    old.save()
    client = login(world.city_office)
    response = client.post(reverse("acceptance:announce", args=[task.uuid]), {"version": Task.objects.get(pk=task.pk).version})
    assert response.status_code == 302
    new = Announcement.objects.filter(task=task).order_by("-id")[0]
    assert new.pk != old.pk and stored_flags()[new.pk] == (True, True) and stored_flags()[old.pk] == (False, False)
    assert_flags_right()


def test_check_counters_finds_a_wrong_flag_and_repairs_it(world: Any, make_task: Any, capsys: Any) -> None:
    task = make_task()
    older, newer = period(task, -5), period(task, -2)
    older.save()
    newer.save()
    call_command("check_counters")
    assert "announcement_latest" in capsys.readouterr().out
    Announcement.objects.filter(pk=older.pk).update(is_latest=True)  # a flag set by hand: the triggers leave it
    assert copies.check_all()["announcement_latest"] == [(older.pk, "是", "否")]
    with pytest.raises(CommandError, match="副本不一致"):
        call_command("check_counters")
    assert f"副本 announcement_latest 第 {older.pk} 行：记录“是”，应为“否”" in capsys.readouterr().err
    with pytest.raises(CommandError, match="副本校验失败"):
        call_command("audit_verify", "--no-seal")
    call_command("check_counters", "--repair")
    assert_flags_right()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks of concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_takes_higher_id", [False, True])
def test_two_announcements_written_at_once_leave_one_latest(world: Any, make_task: Any, first_takes_higher_id: bool) -> None:
    """Written around the services (which lock the task): the second writer waits for the first and then sees its
    row, whichever of the two has the higher id."""
    task = make_task()
    started = threading.Event()
    errors: list[BaseException] = []
    base = (Announcement.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000
    ids = {"first": base + (500 if first_takes_higher_id else 0), "second": base + 250}

    def write(who: str) -> None:
        try:
            if who != "first":
                started.wait(5)
            with transaction.atomic():
                item = period(Task.objects.get(pk=task.pk), -1)
                item.pk = ids[who]
                Announcement.objects.bulk_create([item])
                if who == "first":
                    started.set()
                    time.sleep(0.5)  # the other writer inserts while this one is open
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(who,)) for who in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Announcement.objects.filter(task=task).count() == 2
    assert_flags_right()
    assert Announcement.objects.get(task=task, is_latest=True).pk == max(ids.values())
