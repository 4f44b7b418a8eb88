"""The database queue: enqueue, claim, run, retry, stale locks, periodic checks, the worker command."""
from __future__ import annotations

import datetime
import logging
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from rectify.jobs import registry, services
from rectify.jobs.models import Job, PeriodicRun

pytestmark = pytest.mark.django_db

CALLS: list[Any] = []


def add(a: int, b: int) -> int:
    CALLS.append((a, b))
    return a + b


def boom() -> None:
    raise RuntimeError("数据源不可用")


def count_check(today: datetime.date | None = None) -> int:
    """测试用定时检查"""
    CALLS.append(("check", today))
    return 1


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: Any) -> None:
    """Only this module's functions are registered, so other apps' checks do not run here."""
    CALLS.clear()
    monkeypatch.setattr(registry, "_periodic", {})
    monkeypatch.setattr(registry, "_jobs", {})
    registry.job("test.add")(add)
    registry.job("test.boom")(boom)


def worker_once(verbosity: int = 2) -> str:
    out = StringIO()
    call_command("worker", "--once", verbosity=verbosity, stdout=out)
    return out.getvalue()


def test_enqueue_then_worker_once_runs_it(caplog: Any) -> None:
    job = services.enqueue("test.add", args={"a": 2, "b": 3})
    assert job.status == Job.Status.QUEUED
    with caplog.at_level(logging.INFO, logger="rectify.jobs"):
        out = worker_once()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.result == 5
    assert job.attempts == 1
    assert job.finished_at is not None and job.locked_at is not None
    assert CALLS == [(2, 3)]
    assert "本轮执行 1 个后台任务" in out
    assert any("test.add" in r.getMessage() and "完成，用时" in r.getMessage() for r in caplog.records)
    # Running again does nothing more.
    worker_once()
    assert CALLS == [(2, 3)]


def test_positional_args_and_future_jobs_wait() -> None:
    later = services.enqueue("test.add", args=[1, 1], run_after=timezone.now() + datetime.timedelta(hours=1))
    worker_once()
    later.refresh_from_db()
    assert later.status == Job.Status.QUEUED and CALLS == []
    Job.objects.filter(pk=later.pk).update(run_after=timezone.now())
    worker_once()
    later.refresh_from_db()
    assert later.status == Job.Status.DONE and later.result == 2


def test_enqueue_refuses_unknown_names_and_non_json_args() -> None:
    with pytest.raises(services.JobRefused, match="未登记"):
        services.enqueue("test.nope")
    with pytest.raises(services.JobRefused, match="JSON"):
        services.enqueue("test.add", args={"a": object()})
    assert not Job.objects.exists()


def test_failing_job_retries_with_backoff_then_fails_with_error() -> None:
    job = services.enqueue("test.boom", max_attempts=3)
    for attempt in (1, 2):
        before = timezone.now()
        worker_once()
        job.refresh_from_db()
        assert job.status == Job.Status.QUEUED
        assert job.attempts == attempt
        assert "RuntimeError: 数据源不可用" in job.last_error
        assert job.run_after >= before + services.backoff(attempt)  # waits before the retry
        assert services.backoff(2) > services.backoff(1)
        worker_once()  # not due yet: nothing happens
        job.refresh_from_db()
        assert job.attempts == attempt
        Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    out = worker_once()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.attempts == 3
    assert "数据源不可用" in job.last_error and job.finished_at is not None
    assert "未成功 1 个" in out


def test_unknown_job_name_in_the_queue_fails_cleanly() -> None:
    job = Job.objects.create(name="test.gone", max_attempts=1)
    worker_once()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "未登记的后台任务" in job.last_error


def test_two_claimers_never_take_the_same_job() -> None:
    first = services.enqueue("test.add", args=[1, 2])
    second = services.enqueue("test.add", args=[3, 4])
    with transaction.atomic():
        a = services.claim("worker-a")
        b = services.claim("worker-b")
        c = services.claim("worker-c")
    assert a is not None and b is not None
    assert {a.pk, b.pk} == {first.pk, second.pk}
    assert c is None
    assert Job.objects.get(pk=a.pk).locked_by == "worker-a"
    assert Job.objects.get(pk=b.pk).locked_by == "worker-b"
    assert set(Job.objects.values_list("status", flat=True)) == {Job.Status.RUNNING}


def test_a_job_run_by_another_worker_is_not_overwritten() -> None:
    services.enqueue("test.add", args=[1, 2])
    job = services.claim("worker-a")
    assert job is not None
    # The lock went stale and another worker took the job over: the first worker's result is dropped.
    Job.objects.filter(pk=job.pk).update(locked_by="worker-b")
    services.run(job, "worker-a")
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING


def test_stale_lock_is_requeued_then_failed_when_out_of_attempts() -> None:
    job = services.enqueue("test.add", args=[1, 2], max_attempts=2)
    claimed = services.claim("dead-worker")
    assert claimed is not None
    long_ago = timezone.now() - services.STALE_AFTER - datetime.timedelta(minutes=1)
    Job.objects.filter(pk=job.pk).update(locked_at=long_ago)
    assert services.requeue_stale() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and "执行超时" in job.last_error
    again = services.claim("dead-worker-2")
    assert again is not None and again.attempts == 2
    Job.objects.filter(pk=job.pk).update(locked_at=long_ago)
    assert services.requeue_stale() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED


def test_periodic_check_is_enqueued_once_per_interval() -> None:
    registry.periodic("test.check", every_minutes=60)(count_check)
    now = timezone.now()
    assert services.enqueue_due_periodic(now) == ["test.check"]
    # A second worker asking at the same moment, and later within the hour: nothing more.
    assert services.enqueue_due_periodic(now) == []
    assert services.enqueue_due_periodic(now + datetime.timedelta(minutes=59)) == []
    assert Job.objects.filter(name="test.check").count() == 1
    assert services.enqueue_due_periodic(now + datetime.timedelta(minutes=60)) == ["test.check"]
    assert Job.objects.filter(name="test.check").count() == 2
    assert PeriodicRun.objects.get(name="test.check").last_run_at == now + datetime.timedelta(minutes=60)


def test_two_workers_racing_on_a_periodic_check_enqueue_it_once() -> None:
    registry.periodic("test.check", every_minutes=60)(count_check)
    now = timezone.now()
    # Both workers read the same last run before either updates it.
    PeriodicRun.objects.create(name="test.check", last_run_at=now - datetime.timedelta(hours=2))
    stale_read = PeriodicRun.objects.get(name="test.check").last_run_at
    assert services.enqueue_due_periodic(now) == ["test.check"]
    lost = PeriodicRun.objects.filter(name="test.check", last_run_at=stale_read).update(last_run_at=now)
    assert lost == 0
    assert Job.objects.filter(name="test.check").count() == 1


def test_worker_runs_due_periodic_checks() -> None:
    registry.periodic("test.check", every_minutes=60)(count_check)
    worker_once()
    worker_once()
    assert CALLS == [("check", None)]
    job = Job.objects.get(name="test.check")
    assert job.status == Job.Status.DONE and job.result == 1


def test_registering_a_name_twice_for_different_functions_is_refused() -> None:
    from django.core.exceptions import ImproperlyConfigured

    registry.periodic("test.check", every_minutes=60)(count_check)
    registry.periodic("test.check", every_minutes=60)(count_check)  # re-import of the same function is fine
    with pytest.raises(ImproperlyConfigured):
        registry.periodic("test.check", every_minutes=60)(add)
    with pytest.raises(ImproperlyConfigured):
        registry.periodic("test.other", every_minutes=0)


def test_purge_finished_keeps_recent_and_unfinished_jobs() -> None:
    old = timezone.now() - services.KEEP_FINISHED - datetime.timedelta(days=1)
    Job.objects.create(name="test.add", status=Job.Status.DONE, finished_at=old)
    Job.objects.create(name="test.add", status=Job.Status.FAILED, finished_at=old)
    keep = Job.objects.create(name="test.add", status=Job.Status.DONE, finished_at=timezone.now())
    queued = Job.objects.create(name="test.add")
    from rectify.jobs.jobs import purge_finished

    assert purge_finished() == 2
    assert purge_finished() == 0
    assert set(Job.objects.values_list("pk", flat=True)) == {keep.pk, queued.pk}


def test_apps_register_their_checks_through_autodiscover(monkeypatch: Any) -> None:
    import importlib

    import rectify.jobs.jobs
    import rectify.notifications.jobs

    importlib.reload(rectify.jobs.jobs)
    importlib.reload(rectify.notifications.jobs)
    names = {c.name for c in registry.periodic_checks()}
    assert {"jobs.purge_finished", "jobs.clear_expired_sessions", "notifications.purge_old"} <= names


def test_expired_sessions_are_deleted_and_live_ones_kept(world: Any, login: Any) -> None:
    from django.contrib.sessions.models import Session

    from rectify.jobs.jobs import clear_expired_sessions

    live = login(world.city_office).session.session_key
    gone = login(world.county_unit).session.session_key
    Session.objects.filter(session_key=gone).update(expire_date=timezone.now() - datetime.timedelta(minutes=1))
    registry.periodic("jobs.clear_expired_sessions", every_minutes=24 * 60)(clear_expired_sessions)  # this module's registry
    worker_once()  # the daily check is due on a new queue: the worker runs it
    job = Job.objects.get(name="jobs.clear_expired_sessions")
    assert (job.status, job.result) == (Job.Status.DONE, 1)
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert clear_expired_sessions() == 0
