# ruff: noqa: S608  (SQL built from the code's own table and column names, never from input)
"""Each user's notifications, read and unread, counted by the database (``rectify.core.counters``).

The top bar of every page shows the signed-in user's unread count, and the list of notifications its total.
Counted from the notifications, both grew with the user's backlog: a province office that had been told of
100,000 steps (20,000 unread) paid 3 ms on every page for the badge and 10 ms for the list's total. Read from
``notifications_notificationcount`` (a row per recipient, read or unread and writer's shard), both are a few rows.
The triggers move the counts in the writing transaction: ``notify``'s bulk insert, ``mark_read`` and
``mark_all_read``'s updates, a user's deletion (its notifications go with it).
"""
from __future__ import annotations

from rectify.core.counters import Counter, pg_add, pg_counting_function, pg_statement_triggers

TABLE = "notifications_notificationcount"
KEYS = "recipient_id, unread"


def _pg_moves(op: str) -> str:
    """The statement's rows counted per recipient and read state: new rows up, old rows down (``core.counters.pg_net``
    over the computed ``unread`` column)."""
    sides = {"INSERT": ["SELECT recipient_id, read_at IS NULL AS unread, 1 AS k FROM new_rows"],
             "DELETE": ["SELECT recipient_id, read_at IS NULL AS unread, -1 AS k FROM old_rows"]}
    sides["UPDATE"] = [*sides["DELETE"], *sides["INSERT"]]
    net = f"SELECT {KEYS}, sum(k) AS k FROM ({' UNION ALL '.join(sides[op])}) x GROUP BY {KEYS} HAVING sum(k) <> 0"
    return pg_add(TABLE, KEYS, f"({net}) d")


_SQLITE_UP = (f"INSERT INTO {TABLE} ({KEYS}, n) VALUES (NEW.recipient_id, NEW.read_at IS NULL, 1)"
              f" ON CONFLICT ({KEYS}, shard) DO UPDATE SET n = n + 1;")
_SQLITE_DOWN = (f"UPDATE {TABLE} SET n = n - 1 WHERE shard = 0 AND recipient_id = OLD.recipient_id"
                " AND unread = (OLD.read_at IS NULL);")

NOTIFICATION_COUNTS = Counter(
    name="notifications",
    table=TABLE,
    keys=("recipient_id", "unread"),
    fill="SELECT recipient_id, read_at IS NULL, count(*) FROM notifications_notification GROUP BY 1, 2",
    triggers={
        "postgresql": [pg_counting_function("rectify_count_notifications", _pg_moves),
                       *pg_statement_triggers("rectify_count_notifications", "notifications_notification")],
        "sqlite": [
            f"CREATE TRIGGER rectify_count_notifications_insert AFTER INSERT ON notifications_notification BEGIN {_SQLITE_UP} END",
            f"CREATE TRIGGER rectify_count_notifications_delete AFTER DELETE ON notifications_notification BEGIN {_SQLITE_DOWN} END",
            "CREATE TRIGGER rectify_count_notifications_update AFTER UPDATE OF recipient_id, read_at ON notifications_notification"
            " WHEN OLD.recipient_id IS NOT NEW.recipient_id OR (OLD.read_at IS NULL) IS NOT (NEW.read_at IS NULL)"
            f" BEGIN {_SQLITE_DOWN} {_SQLITE_UP} END",
        ],
    },
    drop={
        "postgresql": [f"DROP TRIGGER IF EXISTS rectify_count_notifications_{op} ON notifications_notification"
                       for op in ("insert", "delete", "update")],
        "sqlite": [f"DROP TRIGGER IF EXISTS rectify_count_notifications_{op}" for op in ("insert", "delete", "update")],
    },
)
