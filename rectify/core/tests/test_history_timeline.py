"""The change history on a task's and an inspection's page is rendered by Jinja2 (``{% history_timeline %}``,
``core/jinja2/history/_timeline.html``) for speed; it must print what the Django loop it replaced printed.
That loop is kept here, verbatim, as the reference, and both are rendered on changes that take every branch:
each action, a reason or none, changed fields listed or hidden, long values cut, text to escape, and
moments whose local date (UTC+8) is not their UTC date."""
from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.template import engines
from django.urls import reverse

from rectify.core.history import record_change
from rectify.core.models import ChangeRecord

pytestmark = pytest.mark.django_db

DJANGO_LOOP = """{% for h in history %}
    <li><time>{{ h.time|date:"Y-m-d H:i" }}</time> <b>{{ h.user_name }}</b> {{ h.get_action_display }}{% if h.reason %}：{{ h.reason }}{% endif %}
      {% if h.action == "update" or h.action == "transition" or h.action == "import" %}
      {% include "history/_changes.html" %}
      {% endif %}
    </li>
  {% endfor %}"""

NASTY = "<script>alert('x')</script> & \"引号\""
UTC = datetime.UTC


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def changes() -> list[ChangeRecord]:
    task_uuid = uuid.uuid4()
    rows = [
        ("create", None, {"title": "新任务"}, "", datetime.datetime(2026, 6, 14, 17, 30, tzinfo=UTC)),
        ("update", {"title": "旧" * 90, "deadline": "2026-06-30"}, {"title": NASTY, "deadline": "2026-09-30"}, NASTY,
         datetime.datetime(2026, 12, 31, 16, 5, tzinfo=UTC)),
        ("transition", {"state": "in_progress"}, {"state": "done"}, "完成整改", datetime.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        ("import", {}, {"measures": ["一", "二"], "version": 3}, "", datetime.datetime(2026, 1, 1, 23, 59, tzinfo=UTC)),
        ("update", {"version": 1}, {"version": 2}, "只改了内部字段", datetime.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)),
        ("delete", {"title": "删"}, None, "撤销", datetime.datetime(2026, 7, 2, 8, 0, tzinfo=UTC)),
    ]
    return [ChangeRecord(time=time, user_name=NASTY if action == "update" else "张三", action=action,
                         object_type="tasks.task", object_uuid=task_uuid, object_repr="任务", task_uuid=task_uuid,
                         before=before, after=after, reason=reason)
            for action, before, after, reason, time in rows]


def test_the_timeline_prints_what_the_django_loop_printed() -> None:
    history = changes()
    django = engines["django"].from_string(DJANGO_LOOP).render({"history": history})
    jinja = engines["django"].from_string('{% load history_timeline %}{% history_timeline history "update transition import" %}'
                                          ).render({"history": history})
    assert squeezed(jinja) == squeezed(django)
    assert "2026-06-15 01:30" in jinja and "2027-01-01 00:05" in jinja  # local time, as Django's date filter gives
    assert "&lt;script&gt;" in jinja and "<script>" not in jinja
    assert jinja.count('<ul class="diff">') == 3  # the update of internal fields lists nothing; create and delete none


def test_the_task_page_lists_its_changes_with_their_fields(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    record_change(task, ChangeRecord.Action.UPDATE, before={"title": "旧标题"}, after={"title": NASTY}, reason="改标题",
                  task_uuid=task.uuid)
    page = login(world.city_office).get(reverse("tasks:detail", args=[task.uuid])).content.decode()
    timeline = page[page.index('<ol class="timeline">'):]
    assert "改标题" in timeline and "旧标题" in timeline and "&lt;script&gt;" in timeline
    assert '<ul class="diff">' in timeline


def test_the_entries_read_for_a_task_page_print_what_its_records_print() -> None:
    """``core.timeline.task_timeline`` reads a task's changes without model instances: the same items, newest
    first, from the stored rows (moments, snapshots decoded only for the fields listed)."""
    from rectify.core.timeline import task_timeline

    history = changes()
    for record in history:
        ChangeRecord.objects.bulk_create([record])
    other = changes()[0]
    other.task_uuid = uuid.uuid4()
    ChangeRecord.objects.bulk_create([other])
    stored = list(ChangeRecord.objects.filter(task_uuid=history[0].task_uuid).order_by("-id"))
    entries = task_timeline(history[0].task_uuid)
    assert len(entries) == len(stored) == 6 and len(task_timeline(history[0].task_uuid, 2)) == 2
    items = engines["jinja2"].get_template("history/_timeline.html")
    diff_actions = ["update", "transition", "import"]
    assert items.render({"history": entries, "diff_actions": diff_actions}) == items.render(
        {"history": stored, "diff_actions": diff_actions})
    assert [e.time for e in entries] == [r.time for r in stored] and entries[0].time.tzinfo is not None
    assert [(e.before, e.after) for e in entries] == [(r.before, r.after) for r in stored]


def test_a_chained_changes_item_is_kept_and_prints_what_drawing_it_prints(world: Any, make_task: Any) -> None:
    """``timeline_items`` keeps the item of a change with a digest (written once, never changed) by digest, who
    and time zone: drawn again from the kept text, a page prints what drawing the changes anew prints."""
    from django.utils import timezone

    from rectify.core import timeline

    task = make_task()
    record_change(task, ChangeRecord.Action.UPDATE, before={"title": "旧标题"}, after={"title": NASTY}, reason=NASTY,
                  task_uuid=task.uuid)
    record_change(task, ChangeRecord.Action.TRANSITION, before={"state": "assigned"}, after={"state": "in_progress"},
                  task_uuid=task.uuid)
    entries = timeline.task_timeline(task.uuid)
    assert entries and all(e.digest for e in entries)
    timeline._ITEMS.clear()
    diff_actions = ["update", "transition", "import"]
    first = timeline.timeline_items(entries, diff_actions)
    assert {key[0] for key in timeline._ITEMS} >= {e.digest for e in entries}
    again = timeline.timeline_items(timeline.task_timeline(task.uuid), diff_actions)
    for entry in entries:
        entry.digest = ""  # not kept: drawn anew
    assert again == first == timeline.timeline_items(entries, diff_actions)
    with timezone.override(datetime.UTC):  # another time zone: drawn for it, not taken from the kept items
        utc = timeline.timeline_items(timeline.task_timeline(task.uuid), diff_actions)
        for entry in entries:
            assert entry.time.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M") in utc
