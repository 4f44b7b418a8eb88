"""The public record of a task: what was announced, closed and reopened, personal data removed."""
from __future__ import annotations

from typing import Any

from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from ..models import (
    LookBack,
    Objection,
)
from ..privacy import person_names, scrub


def reopenings(task: Task) -> list[dict[str, Any]]:
    """Every time the task was reopened after it went public: an upheld objection or a relapse
    found by a look-back, with when and why (personal data removed), oldest first."""
    names = person_names(task.responsible_person)
    events: list[dict[str, Any]] = []
    for o in Objection.objects.filter(announcement__task=task, reopened_task=True).select_related("announcement"):
        events.append({"at": o.resolved_at, "kind": "公示异议成立", "reason": scrub(o.resolution_note, names),
                       "announcement_id": o.announcement_id})
    for lb in LookBack.objects.filter(task=task, result=LookBack.Result.RELAPSE).select_related("closure"):
        events.append({"at": lb.done_at, "kind": "回头看发现反弹", "reason": scrub(lb.finding, names),
                       "announcement_id": lb.closure.announcement_id, "closure": lb.closure})
    return sorted(events, key=lambda e: (e["at"] is None, e["at"]))


def rescrubbed(body: dict[str, Any], task: Task) -> dict[str, Any]:
    """The stored public text redacted again as it is shown: a body stored before a redaction rule
    existed (a phone written with dots, an e-mail address) does not reach the public either."""
    names = person_names(task.responsible_person)
    out = dict(body)
    for key in ("problem", "target", "completion"):
        out[key] = scrub(str(body.get(key) or ""), names)
    out["measures"] = [scrub(str(m), names) for m in body.get("measures") or []]
    return out


def public_status(task: Task) -> str:
    if task.state == TaskState.ANNOUNCED:
        return "公示中"
    if task.state == TaskState.CLOSED:
        return "已销号"
    return "已重新整改"


def public_record(task: Task) -> dict[str, Any]:
    """What the public page of a task shows: the latest announcement's text, and the whole record —
    each announcement with its closure and what reopened it — so nothing is withdrawn silently."""
    announcements = list(task.announcements.filter(published=True).order_by("id"))
    closures = {c.announcement_id: c for c in task.closures.all()}
    events = reopenings(task)
    rounds = [{"announcement": a, "closure": closures.get(a.pk),
               "reopened": [e for e in events if e["announcement_id"] == a.pk]} for a in announcements]
    latest = announcements[-1]
    reopened_now = task.state not in (TaskState.ANNOUNCED, TaskState.CLOSED)
    return {
        "a": latest, "body": rescrubbed(latest.body, task), "rounds": rounds, "status": public_status(task),
        "closure": closures.get(latest.pk) if task.state == TaskState.CLOSED else None,
        "reopened_now": events[-1] if reopened_now and events else None, "reopened_state": reopened_now,
    }
