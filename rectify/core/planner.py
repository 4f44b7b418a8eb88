"""Query shapes that steer PostgreSQL's planner where its estimate misleads it.

``SubplanExists``: a count over a few thousand index entries of a subtree (a province's overdue tasks,
each probed for an assignment) takes 2–3 ms in one process. With a plain EXISTS, PostgreSQL turns it into
a semi-join and plans it with a parallel worker (the probes cost more than ``parallel_setup_cost`` in its
estimate), and starting that worker costs more than the count: 4–8 ms on an idle two-core server, 16–22 ms
while other requests hold the cores.
"""
from __future__ import annotations

from typing import Any

from django.db.models import Exists


class SubplanExists(Exists):
    """``Exists`` that PostgreSQL keeps as a correlated subplan (``OFFSET 0``: it neither pulls it up into a
    join nor drops it). A condition with a correlated subplan is parallel restricted, so the scan it
    filters is planned in one process; each row probes the subquery's index as the semi-join did. Other
    databases get the plain ``EXISTS``."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = self.as_sql(compiler, connection, **extra_context)
        if not sql.endswith(")"):
            raise ValueError(f"unexpected EXISTS SQL: {sql}")
        return f"{sql[:-1]} OFFSET 0)", tuple(params)
