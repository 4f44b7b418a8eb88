"""Two real database connections claiming at once (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED)."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction

from rectify.jobs import registry, services
from rectify.jobs.models import Job


def noop() -> None:
    return None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two concurrent connections (PostgreSQL row locks)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_claimer_skips_the_locked_job(monkeypatch: Any) -> None:
    monkeypatch.setattr(registry, "_jobs", {})
    monkeypatch.setattr(registry, "_periodic", {})
    registry.job("test.noop")(noop)
    first = services.enqueue("test.noop")
    second = services.enqueue("test.noop")
    other: dict[str, Any] = {}

    def claim_elsewhere() -> None:
        try:
            job = services.claim("worker-b")
            other["pk"] = job.pk if job else None
        finally:
            connections.close_all()

    with transaction.atomic():
        mine = services.claim("worker-a")  # row lock held until this block commits
        assert mine is not None and mine.pk == first.pk
        thread = threading.Thread(target=claim_elsewhere)
        thread.start()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the second claimer waited on the first one's lock"
    assert other["pk"] == second.pk
    assert dict(Job.objects.values_list("pk", "locked_by")) == {first.pk: "worker-a", second.pk: "worker-b"}
