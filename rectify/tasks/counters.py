# ruff: noqa: S608  (SQL built from the code's own table and column names, never from input)
"""The ledger's maintained counts (``rectify.core.counters``): tasks per region path, state and "to complete".

``tasks_taskcount`` holds, for each region path, state and ``needs_completion``, how many tasks there
are. The ledger's landing page reads it instead of counting the caller's tasks: the administrator sums
every row (a few thousand rows for 300,000 tasks), an office the rows under its paths. The triggers
below keep it in the writing transaction on every insert, delete and update of ``tasks_task``.
"""
from __future__ import annotations

from rectify.core.counters import Counter, pg_add, pg_net

from .states import OPEN_STATES

TABLE = "tasks_taskcount"
KEYS = "region_path, state, needs_completion"
OPEN_SQL = "(" + ", ".join(f"'{state.value}'" for state in sorted(OPEN_STATES)) + ")"


def expected_sql(alias: str) -> str:
    """The SQL test that a task row expects progress reports (open, or long-term): shared with dispatch."""
    return f"({alias}.state IN {OPEN_SQL} OR {alias}.long_term)"


_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION rectify_count_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {pg_add(TABLE, KEYS, f"({pg_net(KEYS, 'INSERT')}) d")};
  ELSIF TG_OP = 'DELETE' THEN
    {pg_add(TABLE, KEYS, f"({pg_net(KEYS, 'DELETE')}) d")};
  ELSE
    {pg_add(TABLE, KEYS, f"({pg_net(KEYS, 'UPDATE')}) d")};
  END IF;
  RETURN NULL;
END $$
"""

_PG_DROP = [
    "DROP TRIGGER IF EXISTS rectify_count_tasks_insert ON tasks_task",
    "DROP TRIGGER IF EXISTS rectify_count_tasks_delete ON tasks_task",
    "DROP TRIGGER IF EXISTS rectify_count_tasks_update ON tasks_task",
]

_PG_CREATE = [
    _PG_FUNCTION,
    "CREATE TRIGGER rectify_count_tasks_insert AFTER INSERT ON tasks_task REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION rectify_count_tasks()",
    "CREATE TRIGGER rectify_count_tasks_delete AFTER DELETE ON tasks_task REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION rectify_count_tasks()",
    "CREATE TRIGGER rectify_count_tasks_update AFTER UPDATE ON tasks_task REFERENCING OLD TABLE AS old_rows"
    " NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rectify_count_tasks()",
]

_SQLITE_UP = (f"INSERT INTO {TABLE} ({KEYS}, n) VALUES (NEW.region_path, NEW.state, NEW.needs_completion, 1)"
              f" ON CONFLICT ({KEYS}, shard) DO UPDATE SET n = n + 1;")
_SQLITE_DOWN = (f"UPDATE {TABLE} SET n = n - 1 WHERE shard = 0 AND region_path = OLD.region_path AND state = OLD.state"
                " AND needs_completion = OLD.needs_completion;")

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS rectify_count_tasks_insert",
    "DROP TRIGGER IF EXISTS rectify_count_tasks_delete",
    "DROP TRIGGER IF EXISTS rectify_count_tasks_update",
]

_SQLITE_CREATE = [
    f"CREATE TRIGGER rectify_count_tasks_insert AFTER INSERT ON tasks_task BEGIN {_SQLITE_UP} END",
    f"CREATE TRIGGER rectify_count_tasks_delete AFTER DELETE ON tasks_task BEGIN {_SQLITE_DOWN} END",
    "CREATE TRIGGER rectify_count_tasks_update AFTER UPDATE OF region_path, state, needs_completion ON tasks_task"
    " WHEN OLD.region_path IS NOT NEW.region_path OR OLD.state IS NOT NEW.state"
    f" OR OLD.needs_completion IS NOT NEW.needs_completion BEGIN {_SQLITE_DOWN} {_SQLITE_UP} END",
]

TASK_COUNTS = Counter(
    name="tasks",
    table=TABLE,
    keys=("region_path", "state", "needs_completion"),
    fill=f"SELECT {KEYS}, count(*) FROM tasks_task GROUP BY {KEYS}",
    triggers={"postgresql": _PG_CREATE, "sqlite": _SQLITE_CREATE},
    drop={"postgresql": _PG_DROP, "sqlite": _SQLITE_DROP},
)
