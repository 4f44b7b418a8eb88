# ruff: noqa: S608  (SQL built from the code's own table and column names, never from input)
"""Dispatch's maintained counts (``rectify.core.counters``), per region path of the task:

- ``dispatch_reportcount``: progress reports per region path, reporting month and 序时进度 label, of tasks
  a round expects (open or long-term) — a round's report count is the sum of the rows of its month under
  its region's path (the dispatch home, the round page's reported count and labels);
- ``dispatch_paircount``: (task, unit) pairs a round expects a report from (distinct units assigned to an
  open or long-term task) per region path — a round's expected count is the sum under its path;
- ``dispatch_unitpaircount`` and ``dispatch_unitreportcount``: the same pairs and reports per unit (pairs per
  region path and unit, reports per unit, month and region path) — the round page's list of units.

Kept by triggers on the progress reports, the assignments and the tasks (a task that closes, reopens,
turns long-term or moves region takes its reports and pairs along), in the writing transaction.
"""
from __future__ import annotations

from rectify.core.counters import Counter, pg_add, pg_counting_function, pg_net, pg_planned_per_call, pg_statement_triggers
from rectify.tasks.counters import expected_sql

REPORTS = "dispatch_reportcount"
PAIRS = "dispatch_paircount"
RKEYS = "region_path, period, schedule"

# ---------------------------------------------------------------- reports

def _report_moves(op: str) -> str:
    """The statement moving a statement's reports (netted per task, month and label) to their task's region path."""
    moves = (f"SELECT t.region_path, r.period, r.schedule, sum(r.k) AS k FROM ({pg_net('task_id, period, schedule', op)}) r"
             f" JOIN tasks_task t ON t.id = r.task_id WHERE {expected_sql('t')} GROUP BY 1, 2, 3")
    return pg_planned_per_call(pg_add(REPORTS, RKEYS, f"({moves}) d"))


_PG_REPORTS = pg_counting_function("rectify_count_reports", _report_moves)

_SQLITE_REPORT_UP = (f"INSERT INTO {REPORTS} ({RKEYS}, n) SELECT t.region_path, NEW.period, NEW.schedule, 1"
                     f" FROM tasks_task t WHERE t.id = NEW.task_id AND {expected_sql('t')}"
                     f" ON CONFLICT ({RKEYS}, shard) DO UPDATE SET n = n + 1;")
_SQLITE_REPORT_DOWN = (f"UPDATE {REPORTS} SET n = n - 1 WHERE shard = 0 AND period = OLD.period AND schedule = OLD.schedule AND region_path ="
                       f" (SELECT t.region_path FROM tasks_task t WHERE t.id = OLD.task_id AND {expected_sql('t')});")

# ---------------------------------------------------------------- pairs

# For each (task, unit) pair a statement changed: how many assignment rows it has now (``after``) and had
# before the statement (``after`` minus the rows added plus the rows removed, ``moved``); a pair counts while it has one.
_PG_PAIR_MOVES = f"""
      SELECT t.region_path, sum(p.delta) AS k FROM (
        SELECT q.task_id, (CASE WHEN q.after > 0 THEN 1 ELSE 0 END) - (CASE WHEN q.after - q.moved > 0 THEN 1 ELSE 0 END) AS delta
        FROM (SELECT m.task_id, m.unit_id, m.k AS moved,
                     (SELECT count(*) FROM tasks_assignment a WHERE a.task_id = m.task_id AND a.unit_id = m.unit_id) AS after
              FROM ({{rows}}) m) q
      ) p JOIN tasks_task t ON t.id = p.task_id
      WHERE p.delta <> 0 AND {expected_sql("t")} GROUP BY t.region_path HAVING sum(p.delta) <> 0
"""


def _pair_moves(op: str) -> str:
    moves = _PG_PAIR_MOVES.replace("{rows}", pg_net("task_id, unit_id", op))
    return pg_planned_per_call(f"WITH moves AS ({moves}) {pg_add(PAIRS, 'region_path', 'moves')}")


_PG_PAIRS = pg_counting_function("rectify_count_pairs", _pair_moves)

_SQLITE_PAIR_SAME_NEW = ("EXISTS (SELECT 1 FROM tasks_assignment a WHERE a.task_id = NEW.task_id AND a.unit_id = NEW.unit_id"
                         " AND a.id <> NEW.id)")
_SQLITE_PAIR_SAME_OLD = "EXISTS (SELECT 1 FROM tasks_assignment a WHERE a.task_id = OLD.task_id AND a.unit_id = OLD.unit_id)"
_SQLITE_PAIR_UP = (f"INSERT INTO {PAIRS} (region_path, n) SELECT t.region_path, 1 FROM tasks_task t"
                   f" WHERE t.id = NEW.task_id AND {expected_sql('t')} AND NOT {_SQLITE_PAIR_SAME_NEW}"
                   " ON CONFLICT (region_path, shard) DO UPDATE SET n = n + 1;")
_SQLITE_PAIR_DOWN = (f"UPDATE {PAIRS} SET n = n - 1 WHERE shard = 0 AND NOT {_SQLITE_PAIR_SAME_OLD} AND region_path ="
                     f" (SELECT t.region_path FROM tasks_task t WHERE t.id = OLD.task_id AND {expected_sql('t')});")

# ---------------------------------------------------------------- a task that changes region or stops/starts being expected

def _pg_task_side(rows: str) -> str:
    return f"SELECT x.id, x.region_path, {expected_sql('x')} AS expected FROM {rows} x"


# The tasks of an UPDATE whose region path or "expected" changed, as they were (``gone``) and as they are (``came``):
# a set difference of the old and new rows (hashed or sorted, never a nested loop over the transition tables).
_PG_MOVED = (f"gone AS ({_pg_task_side('old_rows')} EXCEPT {_pg_task_side('new_rows')}),"
             f" came AS ({_pg_task_side('new_rows')} EXCEPT {_pg_task_side('old_rows')})")

_PG_TASK_CHANGED = f"""
  IF NOT EXISTS ({_pg_task_side('old_rows')} EXCEPT {_pg_task_side('new_rows')}) THEN
    RETURN NULL;
  END IF;"""

_PG_TASK_REPORT_MOVES = pg_planned_per_call(f"""WITH {_PG_MOVED}, moves AS (
    SELECT region_path, period, schedule, sum(k) AS k FROM (
      SELECT m.region_path, r.period, r.schedule, -1 AS k FROM gone m
        JOIN dispatch_progressreport r ON r.task_id = m.id WHERE m.expected
      UNION ALL
      SELECT m.region_path, r.period, r.schedule, 1 FROM came m
        JOIN dispatch_progressreport r ON r.task_id = m.id WHERE m.expected
    ) x GROUP BY 1, 2, 3 HAVING sum(k) <> 0
  )
  {pg_add(REPORTS, RKEYS, "moves")}""")

_PG_TASK_PAIR_MOVES = pg_planned_per_call(f"""WITH {_PG_MOVED}, units AS (
    SELECT m.region_path, -(SELECT count(DISTINCT a.unit_id) FROM tasks_assignment a WHERE a.task_id = m.id) AS k
      FROM gone m WHERE m.expected
    UNION ALL
    SELECT m.region_path, (SELECT count(DISTINCT a.unit_id) FROM tasks_assignment a WHERE a.task_id = m.id)
      FROM came m WHERE m.expected
  ), moves AS (SELECT region_path, sum(k) AS k FROM units GROUP BY 1 HAVING sum(k) <> 0)
  {pg_add(PAIRS, "region_path", "moves")}""")

_PG_TASKS = f"""
CREATE OR REPLACE FUNCTION rectify_count_task_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_PG_TASK_CHANGED}
  {_PG_TASK_REPORT_MOVES};
  {_PG_TASK_PAIR_MOVES};
  RETURN NULL;
END $$
"""

_SQLITE_TASK_CHANGED = (f"OLD.region_path IS NOT NEW.region_path OR ({expected_sql('OLD')}) IS NOT ({expected_sql('NEW')})")
_SQLITE_TASK_REPORTS = [
    f"UPDATE {REPORTS} SET n = n - (SELECT count(*) FROM dispatch_progressreport r WHERE r.task_id = OLD.id"
    f" AND r.period = {REPORTS}.period AND r.schedule = {REPORTS}.schedule)"
    f" WHERE shard = 0 AND region_path = OLD.region_path AND {expected_sql('OLD')}"
    " AND (period, schedule) IN (SELECT period, schedule FROM dispatch_progressreport WHERE task_id = OLD.id);",
    f"INSERT INTO {REPORTS} ({RKEYS}, n) SELECT NEW.region_path, period, schedule, count(*) FROM dispatch_progressreport"
    f" WHERE task_id = NEW.id AND {expected_sql('NEW')} GROUP BY period, schedule"
    f" ON CONFLICT ({RKEYS}, shard) DO UPDATE SET n = n + excluded.n;",
]
_SQLITE_TASK_PAIRS = [
    f"UPDATE {PAIRS} SET n = n - (SELECT count(DISTINCT unit_id) FROM tasks_assignment WHERE task_id = OLD.id)"
    f" WHERE shard = 0 AND region_path = OLD.region_path AND {expected_sql('OLD')};",
    f"INSERT INTO {PAIRS} (region_path, n) SELECT NEW.region_path, count(DISTINCT unit_id) FROM tasks_assignment"
    f" WHERE task_id = NEW.id AND {expected_sql('NEW')} GROUP BY task_id"
    " ON CONFLICT (region_path, shard) DO UPDATE SET n = n + excluded.n;",
]

_TRIGGERS = {
    "reports": {
        "postgresql": [
            _PG_REPORTS,
            *pg_statement_triggers("rectify_count_reports", "dispatch_progressreport"),
            _PG_TASKS,
            "CREATE TRIGGER rectify_count_task_moves AFTER UPDATE ON tasks_task REFERENCING OLD TABLE AS old_rows"
            " NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rectify_count_task_moves()",
        ],
        "sqlite": [
            f"CREATE TRIGGER rectify_count_reports_insert AFTER INSERT ON dispatch_progressreport BEGIN {_SQLITE_REPORT_UP} END",
            f"CREATE TRIGGER rectify_count_reports_delete AFTER DELETE ON dispatch_progressreport BEGIN {_SQLITE_REPORT_DOWN} END",
            "CREATE TRIGGER rectify_count_reports_update AFTER UPDATE OF task_id, period, schedule ON dispatch_progressreport"
            " WHEN OLD.task_id IS NOT NEW.task_id OR OLD.period IS NOT NEW.period OR OLD.schedule IS NOT NEW.schedule"
            f" BEGIN {_SQLITE_REPORT_DOWN} {_SQLITE_REPORT_UP} END",
            "CREATE TRIGGER rectify_count_task_moves AFTER UPDATE OF region_path, state, long_term ON tasks_task"
            f" WHEN {_SQLITE_TASK_CHANGED} BEGIN {' '.join(_SQLITE_TASK_REPORTS)} {' '.join(_SQLITE_TASK_PAIRS)} END",
        ],
    },
    "pairs": {
        "postgresql": [
            _PG_PAIRS,
            *pg_statement_triggers("rectify_count_pairs", "tasks_assignment"),
        ],
        "sqlite": [
            f"CREATE TRIGGER rectify_count_pairs_insert AFTER INSERT ON tasks_assignment BEGIN {_SQLITE_PAIR_UP} END",
            f"CREATE TRIGGER rectify_count_pairs_delete AFTER DELETE ON tasks_assignment BEGIN {_SQLITE_PAIR_DOWN} END",
            "CREATE TRIGGER rectify_count_pairs_update AFTER UPDATE OF task_id, unit_id ON tasks_assignment"
            " WHEN OLD.task_id IS NOT NEW.task_id OR OLD.unit_id IS NOT NEW.unit_id"
            f" BEGIN {_SQLITE_PAIR_DOWN} {_SQLITE_PAIR_UP} END",
        ],
    },
}

_DROP = {
    "reports": {
        "postgresql": [*[f"DROP TRIGGER IF EXISTS rectify_count_reports_{op} ON dispatch_progressreport" for op in ("insert", "delete", "update")],
                       "DROP TRIGGER IF EXISTS rectify_count_task_moves ON tasks_task"],
        "sqlite": [*[f"DROP TRIGGER IF EXISTS rectify_count_reports_{op}" for op in ("insert", "delete", "update")],
                   "DROP TRIGGER IF EXISTS rectify_count_task_moves"],
    },
    "pairs": {
        "postgresql": [f"DROP TRIGGER IF EXISTS rectify_count_pairs_{op} ON tasks_assignment" for op in ("insert", "delete", "update")],
        "sqlite": [f"DROP TRIGGER IF EXISTS rectify_count_pairs_{op}" for op in ("insert", "delete", "update")],
    },
}

REPORT_COUNTS = Counter(
    name="reports",
    table=REPORTS,
    keys=("region_path", "period", "schedule"),
    fill=(f"SELECT t.region_path, r.period, r.schedule, count(*) FROM dispatch_progressreport r"
          f" JOIN tasks_task t ON t.id = r.task_id WHERE {expected_sql('t')} GROUP BY t.region_path, r.period, r.schedule"),
    triggers=_TRIGGERS["reports"],
    drop=_DROP["reports"],
)

PAIR_COUNTS = Counter(
    name="pairs",
    table=PAIRS,
    keys=("region_path",),
    fill=(f"SELECT t.region_path, count(*) FROM (SELECT DISTINCT task_id, unit_id FROM tasks_assignment) a"
          f" JOIN tasks_task t ON t.id = a.task_id WHERE {expected_sql('t')} GROUP BY t.region_path"),
    triggers=_TRIGGERS["pairs"],
    drop=_DROP["pairs"],
)

# ---------------------------------------------------------------- per unit: the round page's list of units
#
# ``dispatch_unitpaircount`` (region path, unit): the (task, unit) pairs of ``dispatch_paircount`` per unit;
# ``dispatch_unitreportcount`` (unit, month, region path): the reports of ``dispatch_reportcount`` per unit.

UNIT_PAIRS = "dispatch_unitpaircount"
UNIT_REPORTS = "dispatch_unitreportcount"
UPKEYS = "region_path, unit_id"
URKEYS = "unit_id, period, region_path"

_PG_UNIT_PAIR_MOVES = f"""
      SELECT t.region_path, p.unit_id, sum(p.delta) AS k FROM (
        SELECT q.task_id, q.unit_id, (CASE WHEN q.after > 0 THEN 1 ELSE 0 END) - (CASE WHEN q.after - q.moved > 0 THEN 1 ELSE 0 END) AS delta
        FROM (SELECT m.task_id, m.unit_id, m.k AS moved,
                     (SELECT count(*) FROM tasks_assignment a WHERE a.task_id = m.task_id AND a.unit_id = m.unit_id) AS after
              FROM ({{rows}}) m) q
      ) p JOIN tasks_task t ON t.id = p.task_id
      WHERE p.delta <> 0 AND {expected_sql("t")} GROUP BY t.region_path, p.unit_id HAVING sum(p.delta) <> 0
"""


def _unit_pair_moves(op: str) -> str:
    moves = _PG_UNIT_PAIR_MOVES.replace("{rows}", pg_net("task_id, unit_id", op))
    return pg_planned_per_call(f"WITH moves AS ({moves}) {pg_add(UNIT_PAIRS, UPKEYS, 'moves')}")


_PG_UNIT_PAIRS = pg_counting_function("rectify_count_unit_pairs", _unit_pair_moves)


def _unit_report_moves(op: str) -> str:
    moves = (f"SELECT r.unit_id, r.period, t.region_path, sum(r.k) AS k FROM ({pg_net('task_id, unit_id, period', op)}) r"
             f" JOIN tasks_task t ON t.id = r.task_id WHERE {expected_sql('t')} GROUP BY 1, 2, 3")
    return pg_planned_per_call(f"WITH moves AS ({moves}) {pg_add(UNIT_REPORTS, URKEYS, 'moves')}")


_PG_UNIT_REPORTS = pg_counting_function("rectify_count_unit_reports", _unit_report_moves)

# A task that changes region or stops/starts being expected takes its units' reports and pairs along.
_PG_UNIT_TASK_REPORT_MOVES = pg_planned_per_call(f"""WITH {_PG_MOVED}, moves AS (
    SELECT unit_id, period, region_path, sum(k) AS k FROM (
      SELECT r.unit_id, r.period, m.region_path, -1 AS k FROM gone m
        JOIN dispatch_progressreport r ON r.task_id = m.id WHERE m.expected
      UNION ALL
      SELECT r.unit_id, r.period, m.region_path, 1 FROM came m
        JOIN dispatch_progressreport r ON r.task_id = m.id WHERE m.expected
    ) x GROUP BY 1, 2, 3 HAVING sum(k) <> 0
  )
  {pg_add(UNIT_REPORTS, URKEYS, "moves")}""")

_PG_UNIT_TASK_REPORTS = f"""
CREATE OR REPLACE FUNCTION rectify_count_unit_task_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_PG_TASK_CHANGED}
  {_PG_UNIT_TASK_REPORT_MOVES};
  RETURN NULL;
END $$
"""

_PG_UNIT_TASK_PAIR_MOVES = pg_planned_per_call(f"""WITH {_PG_MOVED}, moves AS (
    SELECT region_path, unit_id, sum(k) AS k FROM (
      SELECT DISTINCT m.id, m.region_path, a.unit_id, -1 AS k FROM gone m JOIN tasks_assignment a ON a.task_id = m.id WHERE m.expected
      UNION ALL
      SELECT DISTINCT m.id, m.region_path, a.unit_id, 1 FROM came m JOIN tasks_assignment a ON a.task_id = m.id WHERE m.expected
    ) x GROUP BY 1, 2 HAVING sum(k) <> 0
  )
  {pg_add(UNIT_PAIRS, UPKEYS, "moves")}""")

_PG_UNIT_TASK_PAIRS = f"""
CREATE OR REPLACE FUNCTION rectify_count_unit_task_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_PG_TASK_CHANGED}
  {_PG_UNIT_TASK_PAIR_MOVES};
  RETURN NULL;
END $$
"""

_SQLITE_UNIT_PAIR_UP = (f"INSERT INTO {UNIT_PAIRS} ({UPKEYS}, n) SELECT t.region_path, NEW.unit_id, 1 FROM tasks_task t"
                        f" WHERE t.id = NEW.task_id AND {expected_sql('t')} AND NOT {_SQLITE_PAIR_SAME_NEW}"
                        f" ON CONFLICT ({UPKEYS}, shard) DO UPDATE SET n = n + 1;")
_SQLITE_UNIT_PAIR_DOWN = (f"UPDATE {UNIT_PAIRS} SET n = n - 1 WHERE shard = 0 AND NOT {_SQLITE_PAIR_SAME_OLD} AND unit_id = OLD.unit_id"
                          f" AND region_path = (SELECT t.region_path FROM tasks_task t WHERE t.id = OLD.task_id AND {expected_sql('t')});")
_SQLITE_UNIT_REPORT_UP = (f"INSERT INTO {UNIT_REPORTS} ({URKEYS}, n) SELECT NEW.unit_id, NEW.period, t.region_path, 1"
                          f" FROM tasks_task t WHERE t.id = NEW.task_id AND {expected_sql('t')}"
                          f" ON CONFLICT ({URKEYS}, shard) DO UPDATE SET n = n + 1;")
_SQLITE_UNIT_REPORT_DOWN = (f"UPDATE {UNIT_REPORTS} SET n = n - 1 WHERE shard = 0 AND unit_id = OLD.unit_id AND period = OLD.period AND region_path ="
                            f" (SELECT t.region_path FROM tasks_task t WHERE t.id = OLD.task_id AND {expected_sql('t')});")
_SQLITE_UNIT_TASK_REPORTS = [
    f"UPDATE {UNIT_REPORTS} SET n = n - (SELECT count(*) FROM dispatch_progressreport r WHERE r.task_id = OLD.id"
    f" AND r.unit_id = {UNIT_REPORTS}.unit_id AND r.period = {UNIT_REPORTS}.period)"
    f" WHERE shard = 0 AND region_path = OLD.region_path AND {expected_sql('OLD')}"
    " AND (unit_id, period) IN (SELECT unit_id, period FROM dispatch_progressreport WHERE task_id = OLD.id);",
    f"INSERT INTO {UNIT_REPORTS} ({URKEYS}, n) SELECT unit_id, period, NEW.region_path, count(*) FROM dispatch_progressreport"
    f" WHERE task_id = NEW.id AND {expected_sql('NEW')} GROUP BY unit_id, period"
    f" ON CONFLICT ({URKEYS}, shard) DO UPDATE SET n = n + excluded.n;",
]
_SQLITE_UNIT_TASK_PAIRS = [
    f"UPDATE {UNIT_PAIRS} SET n = n - 1 WHERE shard = 0 AND region_path = OLD.region_path AND {expected_sql('OLD')}"
    " AND unit_id IN (SELECT unit_id FROM tasks_assignment WHERE task_id = OLD.id);",
    f"INSERT INTO {UNIT_PAIRS} ({UPKEYS}, n) SELECT NEW.region_path, unit_id, 1 FROM tasks_assignment"
    f" WHERE task_id = NEW.id AND {expected_sql('NEW')} GROUP BY unit_id"
    f" ON CONFLICT ({UPKEYS}, shard) DO UPDATE SET n = n + excluded.n;",
]


def _pg_task_trigger(name: str) -> str:
    return (f"CREATE TRIGGER {name} AFTER UPDATE ON tasks_task REFERENCING OLD TABLE AS old_rows"
            f" NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()")


def _sqlite_row_triggers(prefix: str, table: str, columns: tuple[str, ...], up: str, down: str) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return [f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {table} BEGIN {up} END",
            f"CREATE TRIGGER {prefix}_delete AFTER DELETE ON {table} BEGIN {down} END",
            f"CREATE TRIGGER {prefix}_update AFTER UPDATE OF {', '.join(columns)} ON {table} WHEN {changed} BEGIN {down} {up} END"]


def _sqlite_task_trigger(name: str, statements: list[str]) -> str:
    return (f"CREATE TRIGGER {name} AFTER UPDATE OF region_path, state, long_term ON tasks_task"
            f" WHEN {_SQLITE_TASK_CHANGED} BEGIN {' '.join(statements)} END")


def _drop(prefix: str, table: str, task_trigger: str) -> dict[str, list[str]]:
    ops = ("insert", "delete", "update")
    return {"postgresql": [*[f"DROP TRIGGER IF EXISTS {prefix}_{op} ON {table}" for op in ops],
                           f"DROP TRIGGER IF EXISTS {task_trigger} ON tasks_task"],
            "sqlite": [*[f"DROP TRIGGER IF EXISTS {prefix}_{op}" for op in ops], f"DROP TRIGGER IF EXISTS {task_trigger}"]}


UNIT_PAIR_COUNTS = Counter(
    name="unit_pairs",
    table=UNIT_PAIRS,
    keys=("region_path", "unit_id"),
    fill=(f"SELECT t.region_path, a.unit_id, count(*) FROM (SELECT DISTINCT task_id, unit_id FROM tasks_assignment) a"
          f" JOIN tasks_task t ON t.id = a.task_id WHERE {expected_sql('t')} GROUP BY t.region_path, a.unit_id"),
    triggers={
        "postgresql": [_PG_UNIT_PAIRS, *pg_statement_triggers("rectify_count_unit_pairs", "tasks_assignment"),
                       _PG_UNIT_TASK_PAIRS, _pg_task_trigger("rectify_count_unit_task_pairs")],
        "sqlite": [*_sqlite_row_triggers("rectify_count_unit_pairs", "tasks_assignment", ("task_id", "unit_id"),
                                         _SQLITE_UNIT_PAIR_UP, _SQLITE_UNIT_PAIR_DOWN),
                   _sqlite_task_trigger("rectify_count_unit_task_pairs", _SQLITE_UNIT_TASK_PAIRS)],
    },
    drop=_drop("rectify_count_unit_pairs", "tasks_assignment", "rectify_count_unit_task_pairs"),
)

UNIT_REPORT_COUNTS = Counter(
    name="unit_reports",
    table=UNIT_REPORTS,
    keys=("unit_id", "period", "region_path"),
    fill=(f"SELECT r.unit_id, r.period, t.region_path, count(*) FROM dispatch_progressreport r"
          f" JOIN tasks_task t ON t.id = r.task_id WHERE {expected_sql('t')} GROUP BY r.unit_id, r.period, t.region_path"),
    triggers={
        "postgresql": [_PG_UNIT_REPORTS, *pg_statement_triggers("rectify_count_unit_reports", "dispatch_progressreport"),
                       _PG_UNIT_TASK_REPORTS, _pg_task_trigger("rectify_count_unit_task_reports")],
        "sqlite": [*_sqlite_row_triggers("rectify_count_unit_reports", "dispatch_progressreport", ("task_id", "unit_id", "period"),
                                         _SQLITE_UNIT_REPORT_UP, _SQLITE_UNIT_REPORT_DOWN),
                   _sqlite_task_trigger("rectify_count_unit_task_reports", _SQLITE_UNIT_TASK_REPORTS)],
    },
    drop=_drop("rectify_count_unit_reports", "dispatch_progressreport", "rectify_count_unit_task_reports"),
)
