"""Counts a page needs at once, planned without parallel workers on PostgreSQL.

A count over a few thousand index entries of a subtree (a province's overdue tasks, each probed for an
assignment) takes 2–3 ms in one process. PostgreSQL plans it with a parallel worker all the same (the
probes cost more than ``parallel_setup_cost`` in its estimate), and starting that worker costs more than
the count: 4–8 ms on an idle two-core server, 16–18 ms while other requests hold the cores.
"""
from __future__ import annotations

from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet


def count_in_one_process(qs: QuerySet[Any]) -> int:
    """``qs.count()``, planned without parallel workers on PostgreSQL (as is elsewhere).

    The setting is local to a transaction (a savepoint inside one) that is rolled back after the count,
    which only read: it never outlives the count, even inside a caller's transaction.
    """
    alias = qs.db  # the router's choice (a replica on a read-only page), made before the block opens
    if connections[alias].vendor != "postgresql":
        return qs.count()
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        count = qs.using(alias).count()
        transaction.set_rollback(True, using=alias)
    return count
