"""The keyword search's second index: each task's single characters (``rectify.tasks.search``), through which a
one-character word is looked up instead of a ``LIKE`` over every task in scope. Nothing on SQLite. Frozen here as
written; the build reads every task's text once (about a minute at 300,000 tasks)."""
from django.db import migrations

from rectify.core.migration_helpers import on_postgresql

CREATE = [
    """
    CREATE OR REPLACE FUNCTION rectify_text_chars(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
      SELECT ARRAY(SELECT DISTINCT c FROM unnest(string_to_array(upper(t), NULL)) c WHERE c !~ '\\s' ORDER BY 1)
    $$
    """,
    "CREATE INDEX IF NOT EXISTS task_search_chars ON tasks_task USING gin (rectify_text_chars(search_text))",
    "ANALYZE tasks_task",  # the index expression's statistics: how common each character is
]
DROP = ["DROP INDEX IF EXISTS task_search_chars", "DROP FUNCTION IF EXISTS rectify_text_chars(text)"]


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0019_search_grams_cost"),
    ]

    operations = [
        on_postgresql(CREATE, DROP),
    ]
