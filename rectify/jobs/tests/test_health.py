"""The health endpoint answers without a login, with the queue's depth and age, and nothing personal."""
from __future__ import annotations

import datetime
from typing import Any

from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from rectify.jobs.models import Job
from rectify.jobs.services import enqueue


def test_health_reports_the_queue_to_an_anonymous_caller(db: Any) -> None:
    now = timezone.now()
    enqueue("jobs.purge_finished", run_after=now - datetime.timedelta(minutes=10))
    enqueue("jobs.purge_finished", run_after=now + datetime.timedelta(hours=1))  # not due yet
    Job.objects.create(name="x", status=Job.Status.FAILED, finished_at=now - datetime.timedelta(hours=2))
    Job.objects.create(name="y", status=Job.Status.FAILED, finished_at=now - datetime.timedelta(days=3))

    response = Client().get("/jobs/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["queue"]["due"] == 1
    assert 590 <= body["queue"]["oldest_due_seconds"] <= 700
    assert body["queue"]["failed_last_day"] == 1
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_with_an_empty_queue(db: Any) -> None:
    body = Client().get("/jobs/health/").json()
    assert body["queue"] == {"due": 0, "oldest_due_seconds": 0, "running": 0, "failed_last_day": 0}


def test_health_answers_503_when_the_database_fails(db: Any, monkeypatch: Any) -> None:
    def broken(now: Any) -> Any:
        raise DatabaseError("connection refused")

    monkeypatch.setattr("rectify.jobs.health.queue_figures", broken)
    response = Client().get("/jobs/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_health_is_read_only(db: Any) -> None:
    assert Client().post("/jobs/health/").status_code == 405
