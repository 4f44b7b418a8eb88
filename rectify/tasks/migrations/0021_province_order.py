"""Each province's own plan order (``rectify.tasks.paging.walkable_order``): an index on the province part of the
task's region path, then the ledger's order, through which a province's ledger page reads its own few dozen rows
instead of sorting every task of the province. Nothing on SQLite (its province pages sort their tasks, as before).
Then ``ANALYZE``: the expression's statistics tell the planner how many tasks each province holds."""
from django.db import migrations

from rectify.core.migration_helpers import on_postgresql

CREATE = [
    # The path itself carried along: the page's statement keeps the scope's own condition on it (a prefix ``LIKE``), which
    # PostgreSQL, taking the two for independent, expects to keep a few rows of the province; checked in the index
    # alone, the walk stays cheaper than sorting the province for any estimate.
    "CREATE INDEX IF NOT EXISTS task_province_order ON tasks_task (split_part(region_path, '/', 1), plan_id, id) INCLUDE (region_path)",
    "ANALYZE tasks_task",
]
DROP = ["DROP INDEX IF EXISTS task_province_order"]


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0020_search_chars"),
    ]

    operations = [
        on_postgresql(CREATE, DROP),
    ]
