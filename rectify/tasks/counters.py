# ruff: noqa: S608  (SQL built from the code's own table and column names, never from input)
"""The ledger's maintained counts (``rectify.core.counters``): tasks per region path, state and "to complete",
and task assignments per their task's region path.

``tasks_taskcount`` holds, for each region path, state and ``needs_completion``, how many tasks there
are. The ledger's landing page reads it instead of counting the caller's tasks: the administrator sums
every row (a few thousand rows for 300,000 tasks), an office the rows under its paths. The triggers
below keep it in the writing transaction on every insert, delete and update of ``tasks_task``.

``tasks_assignmentcount`` holds, for each region path, how many assignments its tasks have: the API's
unfiltered list of task assignments sums it as the ledger sums ``tasks_taskcount``. Kept by triggers on
``tasks_assignment`` (insert, delete, a change of task) and on ``tasks_task`` (a task that moves region
takes its assignments along).
"""
from __future__ import annotations

from rectify.core.counters import Counter, pg_add, pg_counting_function, pg_net, pg_planned_per_call, pg_statement_triggers

from .states import OPEN_STATES

TABLE = "tasks_taskcount"
KEYS = "region_path, state, needs_completion"
OPEN_SQL = "(" + ", ".join(f"'{state.value}'" for state in sorted(OPEN_STATES)) + ")"


def expected_sql(alias: str) -> str:
    """The SQL test that a task row expects progress reports (open, or long-term): shared with dispatch."""
    return f"({alias}.state IN {OPEN_SQL} OR {alias}.long_term)"


_PG_FUNCTION = pg_counting_function("rectify_count_tasks", lambda op: pg_add(TABLE, KEYS, f"({pg_net(KEYS, op)}) d"))

_PG_DROP = [
    "DROP TRIGGER IF EXISTS rectify_count_tasks_insert ON tasks_task",
    "DROP TRIGGER IF EXISTS rectify_count_tasks_delete ON tasks_task",
    "DROP TRIGGER IF EXISTS rectify_count_tasks_update ON tasks_task",
]

_PG_CREATE = [
    _PG_FUNCTION,
    *pg_statement_triggers("rectify_count_tasks", "tasks_task"),
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

# ---------------------------------------------------------------- task assignments per their task's region path

ASSIGNMENTS = "tasks_assignmentcount"


def _assignment_moves(op: str) -> str:
    """The statement moving a statement's assignments (netted per task) to their task's region path."""
    moves = (f"SELECT t.region_path, sum(a.k) AS k FROM ({pg_net('task_id', op)}) a"
             " JOIN tasks_task t ON t.id = a.task_id GROUP BY t.region_path")
    return pg_planned_per_call(pg_add(ASSIGNMENTS, "region_path", f"({moves}) d"))


_PG_ASSIGNMENTS = pg_counting_function("rectify_count_assignments", _assignment_moves)

# The tasks of an UPDATE whose region path changed, as they were (``gone``) and as they are (``came``): a set
# difference of the old and new rows (never a join of the transition tables).
_PG_PATH_GONE = "SELECT id, region_path FROM old_rows EXCEPT SELECT id, region_path FROM new_rows"
_PG_PATH_CAME = "SELECT id, region_path FROM new_rows EXCEPT SELECT id, region_path FROM old_rows"

_PG_TASK_ASSIGNMENT_MOVES = pg_planned_per_call(f"""WITH gone AS ({_PG_PATH_GONE}), came AS ({_PG_PATH_CAME}), moves AS (
    SELECT region_path, sum(k) AS k FROM (
      SELECT m.region_path, -1 AS k FROM gone m JOIN tasks_assignment a ON a.task_id = m.id
      UNION ALL
      SELECT m.region_path, 1 FROM came m JOIN tasks_assignment a ON a.task_id = m.id
    ) x GROUP BY 1 HAVING sum(k) <> 0
  )
  {pg_add(ASSIGNMENTS, "region_path", "moves")}""")

_PG_TASK_ASSIGNMENTS = f"""
CREATE OR REPLACE FUNCTION rectify_count_task_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS ({_PG_PATH_GONE}) THEN
    RETURN NULL;
  END IF;
  {_PG_TASK_ASSIGNMENT_MOVES};
  RETURN NULL;
END $$
"""

_SQLITE_ASSIGNMENT_UP = (f"INSERT INTO {ASSIGNMENTS} (region_path, n) SELECT t.region_path, 1 FROM tasks_task t WHERE t.id = NEW.task_id"
                         " ON CONFLICT (region_path, shard) DO UPDATE SET n = n + 1;")
_SQLITE_ASSIGNMENT_DOWN = (f"UPDATE {ASSIGNMENTS} SET n = n - 1 WHERE shard = 0"
                           " AND region_path = (SELECT t.region_path FROM tasks_task t WHERE t.id = OLD.task_id);")
_SQLITE_TASK_ASSIGNMENTS = [
    f"UPDATE {ASSIGNMENTS} SET n = n - (SELECT count(*) FROM tasks_assignment WHERE task_id = OLD.id)"
    " WHERE shard = 0 AND region_path = OLD.region_path;",
    f"INSERT INTO {ASSIGNMENTS} (region_path, n) SELECT NEW.region_path, count(*) FROM tasks_assignment"
    " WHERE task_id = NEW.id GROUP BY task_id ON CONFLICT (region_path, shard) DO UPDATE SET n = n + excluded.n;",
]

# The triggers are named to fire after every other counter's on their table (PostgreSQL fires a table's triggers in
# name order): a statement on the assignments locks the pair counts, then the units' pair counts, then these; one on
# the tasks the reports', pairs', tasks' and units' counts, then these. ``update_task`` moves a task (locking the
# pair counts when the task stops or starts being expected) before it changes its units: were these locked first on
# the assignments, a writer adding a unit to a task of the same path would hold this count and wait for the pair count
# (``test_a_unit_added_beside_a_task_made_expected_again_waits_instead_of_deadlocking``).
ASSIGNMENT_COUNTS = Counter(
    name="assignments",
    table=ASSIGNMENTS,
    keys=("region_path",),
    fill="SELECT t.region_path, count(*) FROM tasks_assignment a JOIN tasks_task t ON t.id = a.task_id GROUP BY t.region_path",
    triggers={
        "postgresql": [
            _PG_ASSIGNMENTS,
            *pg_statement_triggers("rectify_count_z_assignments", "tasks_assignment", "rectify_count_assignments"),
            _PG_TASK_ASSIGNMENTS,
            "CREATE TRIGGER rectify_count_z_task_assignments AFTER UPDATE ON tasks_task REFERENCING OLD TABLE AS old_rows"
            " NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rectify_count_task_assignments()",
        ],
        "sqlite": [
            f"CREATE TRIGGER rectify_count_z_assignments_insert AFTER INSERT ON tasks_assignment BEGIN {_SQLITE_ASSIGNMENT_UP} END",
            f"CREATE TRIGGER rectify_count_z_assignments_delete AFTER DELETE ON tasks_assignment BEGIN {_SQLITE_ASSIGNMENT_DOWN} END",
            "CREATE TRIGGER rectify_count_z_assignments_update AFTER UPDATE OF task_id ON tasks_assignment"
            f" WHEN OLD.task_id IS NOT NEW.task_id BEGIN {_SQLITE_ASSIGNMENT_DOWN} {_SQLITE_ASSIGNMENT_UP} END",
            "CREATE TRIGGER rectify_count_z_task_assignments AFTER UPDATE OF region_path ON tasks_task"
            f" WHEN OLD.region_path IS NOT NEW.region_path BEGIN {' '.join(_SQLITE_TASK_ASSIGNMENTS)} END",
        ],
    },
    drop={
        "postgresql": [*[f"DROP TRIGGER IF EXISTS rectify_count_z_assignments_{op} ON tasks_assignment" for op in ("insert", "delete", "update")],
                       "DROP TRIGGER IF EXISTS rectify_count_z_task_assignments ON tasks_task"],
        "sqlite": [*[f"DROP TRIGGER IF EXISTS rectify_count_z_assignments_{op}" for op in ("insert", "delete", "update")],
                   "DROP TRIGGER IF EXISTS rectify_count_z_task_assignments"],
    },
)
