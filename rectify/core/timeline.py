"""A task's change history as its page lists it (``history/_timeline.html``), read without model instances
and drawn without a template loop.

The page lists up to 100 changes. As ``ChangeRecord`` instances each decoded its two JSON snapshots while it
was built, also for the records whose changed fields the page does not list (creations): ~1 ms of CPU for the
34 changes of an average task at 30,000 tasks, the statement alone ~0.2 ms. A ``TimelineEntry`` carries what
the template reads (the time, who, the action, the reason) and decodes the snapshots when its changed fields
are asked for (``display_changes``, as ``ChangeRecord.display_changes`` gives them).

``timeline_items`` draws the items (``history/_timeline.html`` calls it, for the task's page and Django's
``{% history_timeline %}``): Jinja2's loop cost ~16 µs an item beyond the changes' own description (0.6 ms of
a task's page with 38 changes), this ~3 µs. Every value is escaped as the templates escape it (``jinja.escaped``: ``_escaped``).
"""
from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from django.db import connections, router
from django.utils import timezone
from markupsafe import Markup

from .changes import Change, describe
from .jinja import dates_in_current_zone, truncatechars
from .models import ChangeRecord

ACTION_LABELS: dict[str, str] = {value: str(label) for value, label in ChangeRecord.Action.choices}


class TimelineEntry:
    """One change record as the timeline shows it; ``before``/``after`` decoded on first use."""

    __slots__ = ("time", "user_name", "action", "reason", "object_type", "digest", "_snapshots", "_connection")

    def __init__(self, time: datetime.datetime, user_name: str, action: str, reason: str, object_type: str,
                 before: Any, after: Any, connection: Any, digest: str = "") -> None:
        self.time, self.user_name, self.action, self.reason, self.object_type = time, user_name, action, reason, object_type
        self.digest = digest
        self._snapshots: tuple[Any, Any] | list[Any] = (before, after)  # as stored; a list once decoded
        self._connection = connection

    def get_action_display(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    def _decoded(self) -> list[Any]:
        if isinstance(self._snapshots, tuple):
            self._snapshots = [_SNAPSHOT.from_db_value(value, _SNAPSHOT_COLUMN, self._connection) for value in self._snapshots]
        return self._snapshots

    @property
    def before(self) -> Any:
        return self._decoded()[0]

    @property
    def after(self) -> Any:
        return self._decoded()[1]

    def display_changes(self) -> list[Change]:
        return describe(self)


_SNAPSHOT = ChangeRecord._meta.get_field("before")
_SNAPSHOT_COLUMN = _SNAPSHOT.get_col(ChangeRecord._meta.db_table)


def task_timeline(task_uuid: UUID, limit: int = 100) -> list[TimelineEntry]:
    """The latest ``limit`` changes of the task's chain of history, newest first (``ChangeRecord``'s order)."""
    alias = router.db_for_read(ChangeRecord)
    connection = connections[alias]
    meta = ChangeRecord._meta
    time_field = meta.get_field("time")
    time_column = time_field.get_col(meta.db_table)
    converters = connection.ops.get_db_converters(time_column)  # SQLite's text to an aware moment; none on PostgreSQL
    sql = (f"SELECT time, user_name, action, reason, object_type, before, after, digest FROM {meta.db_table} "  # noqa: S608
           "WHERE task_uuid = %s ORDER BY id DESC LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [meta.get_field("task_uuid").get_db_prep_value(task_uuid, connection), limit])
        rows = cursor.fetchall()
    entries = []
    for time, user_name, action, reason, object_type, before, after, digest in rows:
        for converter in converters:
            time = converter(time, time_column, connection)
        entries.append(TimelineEntry(time, user_name, action, reason, object_type, before, after, connection, digest))
    return entries


def _escaped(value: Any) -> str:
    """``jinja.escaped``'s text (Django's ``conditional_escape``) without its ``Markup``: safe text as it is."""
    text = value if isinstance(value, str) else str(value)
    return text if hasattr(text, "__html__") else html.escape(text)


# The items of chained changes drawn so far, by digest (a change record is written once and never changed; its
# digest is the hash of its content: ``ChangeRecord.compute_digest``) and what else the item depends on: who
# (not in the digest), the time zone, whether its fields are listed. A task's page draws its up to 100 changes
# again at each visit (~20 µs each: the snapshots decoded and compared); all are forgotten when ``KEPT_ITEMS`` are kept.
KEPT_ITEMS = 20_000
_ITEMS: dict[tuple[str, str, str, bool], str] = {}


def timeline_items(history: Iterable[Any], diff_actions: Sequence[str]) -> Markup:
    """The ``<li>`` items of ``history`` (change records or ``TimelineEntry``s), newest first as given; the changed
    fields listed for the actions in ``diff_actions``. The HTML of the Django loop the timeline replaced
    (rectify/core/tests/test_history_timeline.py keeps it and compares). A chained change's item is kept (``_ITEMS``)."""
    items = []
    zone = timezone.get_current_timezone()
    minute = dates_in_current_zone("Y-m-d H:i")
    for h in history:
        listed = h.action in diff_actions
        digest = getattr(h, "digest", "")
        if not digest:
            items.append(_item(h, listed, minute))
            continue
        key = (digest, h.user_name, str(zone), listed)
        item = _ITEMS.get(key)
        if item is None:
            if len(_ITEMS) >= KEPT_ITEMS:
                _ITEMS.clear()
            item = _ITEMS[key] = _item(h, listed, minute)
        items.append(item)
    return Markup("".join(items))  # noqa: S704  (every value escaped in _item)


def _item(h: Any, listed: bool, minute: Callable[[Any], str]) -> str:
    """One change's ``<li>``, every value escaped."""
    reason = f"：{_escaped(h.reason)}" if h.reason else ""
    changed = ""
    if listed:
        changes = h.display_changes()
        if changes:
            changed = '<ul class="diff">' + "".join(
                f"<li><b>{_escaped(c.label)}</b>：{_escaped(truncatechars(c.before, 80))} → {_escaped(truncatechars(c.after, 80))}</li>"
                for c in changes) + "</ul>"
    return (f"\n    <li><time>{_escaped(minute(h.time))}</time> <b>{_escaped(h.user_name)}</b> "
            f"{_escaped(h.get_action_display())}{reason}\n      {changed}\n    </li>\n  ")
