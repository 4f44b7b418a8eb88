"""``rectify generate`` writes, for every step of the loop it plays, the history rows the step's service writes:
the same rows (object, action, reason, the fields before and after), no fewer and no more. Each step is run once
through its service on a small world; every generated instance of that step must carry the same rows."""
from __future__ import annotations

import datetime
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from conftest import pdf_bytes
from rectify.acceptance import services as acceptance
from rectify.acceptance.models import AcceptanceApplication, AcceptanceReview, Announcement, Closure, Objection
from rectify.core.models import ChangeRecord
from rectify.dispatch import services as dispatch
from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db

Signature = tuple[str, str, str, tuple[str, ...] | None, tuple[str, ...] | None]


def signature(row: ChangeRecord) -> Signature:
    """A row as a step writes it, whatever the instance: its object's type, the action, the reason's kind (its first
    words: 调度报送 of 调度报送：<round>, 验收通过 of 验收通过（<signer>）) and the fields before and after."""
    def keys(picture: dict[str, Any] | None) -> tuple[str, ...] | None:
        return None if picture is None else tuple(sorted(picture))
    return row.object_type, row.action, re.split("[：（ ]", row.reason)[0], keys(row.before), keys(row.after)


def signatures(rows: Iterable[ChangeRecord]) -> Counter[Signature]:
    return Counter(signature(row) for row in rows)


def since(mark: int) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(id__gt=mark).order_by("id"))


def last_id() -> int:
    return ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def step(run: Callable[[], Any]) -> Counter[Signature]:
    mark = last_id()
    run()
    return signatures(since(mark))


def service_steps(world: Any, make_task: Callable[..., Task]) -> dict[str, Counter[Signature]]:
    """The rows of each step of a month, through the services: a round opened, a unit's report on a task
    (submitted, the text becoming the task's 进展情况), the lead unit's review of it, the round closed."""
    task = make_task()
    assignment = task.assignments.get(role=Assignment.Role.RESPONSIBLE)
    today = datetime.date.today()
    made: dict[str, Any] = {}

    def open_round() -> None:
        made["round"] = dispatch.open_round(world.city_office, region=world.city, title="本月调度",
                                            period_start=today.replace(day=1), period_end=today,
                                            due_date=today + datetime.timedelta(days=5))

    def submit() -> None:
        made["report"] = dispatch.submit_report(made["round"], assignment, world.county_unit, text="已完成排查12处，整改2处。",
                                                schedule="on_schedule", percent=30)

    def review() -> None:
        report = made["report"]
        dispatch.review_report(report, world.lead_unit, accept=True, note="", expected_version=report.version)

    def close() -> None:
        round_ = ReportingRound.objects.get(pk=made["round"].pk)
        dispatch.close_round(round_, world.city_office, expected_version=round_.version)

    return {"open": step(open_round), "submit": step(submit), "review": step(review), "close": step(close)}


EVIDENCE = "上传佐证材料"  # the one row of a step the generator leaves out: it stores no evidence files


def acceptance_steps(world: Any, make_task: Callable[..., Task]) -> dict[str, Counter[Signature]]:
    """The rows of each move along the loop, through the services: 开始整改, 申请验收 (with the one evidence file
    the service requires), 验收通过 and 退回整改, 销号公示, an objection during it and its rejection, 销号 once the
    announcement period has ended."""
    from rectify.acceptance.tests.test_flow import elapse

    task, other = make_task(), make_task()
    steps: dict[str, Counter[Signature]] = {}

    def version(t: Task) -> int:
        return Task.objects.get(pk=t.pk).version

    def apply(t: Task) -> AcceptanceApplication:
        return acceptance.apply_for_acceptance(t, world.county_unit, completion_report="已整改到位。", expected_version=version(t),
                                               files=[SimpleUploadedFile("验收材料.pdf", pdf_bytes(), "application/pdf")])

    def decide(application: AcceptanceApplication, decision: str) -> None:
        acceptance.review_application(application, world.reviewer, decision=decision, site_check="现场核查。",
                                      implemented=decision == AcceptanceReview.Decision.ACCEPT, reasons="未落实。",
                                      expected_version=version(application.task))

    steps["start"] = step(lambda: transition_task(task, TaskState.IN_PROGRESS, expected_version=version(task), reason="开始整改"))
    made: dict[str, Any] = {}
    steps["apply"] = step(lambda: made.setdefault("application", apply(task)))
    steps["accept"] = step(lambda: decide(made["application"], AcceptanceReview.Decision.ACCEPT))
    made["other"] = apply(other)
    steps["send_back"] = step(lambda: decide(made["other"], AcceptanceReview.Decision.SEND_BACK))
    steps["announce"] = step(lambda: acceptance.start_announcement(task, world.city_office, expected_version=version(task)))
    announcement = Announcement.objects.get(task=task)
    steps["object"] = step(lambda: made.setdefault("objection", acceptance.record_objection(
        announcement, world.city_office, content="怀疑未整改到位。", contact="130-0000-0001")))
    steps["reject"] = step(lambda: acceptance.resolve_objection(made["objection"], world.city_office,
                                                                resolution=Objection.Resolution.REJECTED, note="经复核已整改到位。"))
    elapse(task)
    steps["closure"] = step(lambda: acceptance.close_task(task, world.city_office, expected_version=version(task)))
    return steps


class RolledBack(Exception):
    pass


def run_services(request: pytest.FixtureRequest) -> dict[str, Counter[Signature]]:
    """The services on a small world, rolled back: the generator fills an empty database."""
    request.getfixturevalue("settings").MEDIA_ROOT = request.getfixturevalue("tmp_path")
    try:
        with transaction.atomic():
            world, make_task = request.getfixturevalue("world"), request.getfixturevalue("make_task")
            service = service_steps(world, make_task) | acceptance_steps(world, make_task)
            raise RolledBack
    except RolledBack:
        pass
    return service


def test_each_generated_step_writes_the_rows_its_service_writes(request: pytest.FixtureRequest) -> None:
    service = run_services(request)
    assert sum(service["submit"].values()) == 2 and sum(service["review"].values()) == 1  # the report, the task; the report
    evidence = [sig for sig in service["apply"] if sig[2] == EVIDENCE]
    assert len(evidence) == 1
    del service["apply"][evidence[0]]

    call_command("generate", tasks=90, reports_per_task=3, provinces=2, seed=11, stdout=io.StringIO())
    rows = list(ChangeRecord.objects.order_by("id"))
    by_object: dict[Any, list[ChangeRecord]] = defaultdict(list)
    progress: dict[tuple[Any, str], list[ChangeRecord]] = defaultdict(list)
    for row in rows:
        by_object[row.object_uuid].append(row)
        if row.object_type == "tasks.task" and row.reason.startswith("调度报送："):
            progress[row.task_uuid, row.reason].append(row)

    rounds = list(ReportingRound.objects.all())
    assert {r.status for r in rounds} == {"open", "closed"}
    for round_ in rounds:
        expected = service["open"] + (service["close"] if round_.status == "closed" else Counter())
        assert signatures(by_object[round_.uuid]) == expected, round_
    reports = list(ProgressReport.objects.select_related("round", "task"))
    assert len(reports) == 90 * 3
    for report in reports:
        written = by_object[report.uuid] + progress[report.task.uuid, f"调度报送：{report.round.title}"]
        expected = service["submit"] + (service["review"] if report.round.status == "closed" else Counter())
        assert signatures(written) == expected, report

    # The moves along the loop, task by task: each task's rows of these steps are its moves' rows, no more, no fewer.
    moves = ("start", "apply", "accept", "send_back", "announce", "object", "reject", "closure")
    known = {sig for name in moves for sig in service[name]}
    reviews = Counter((r.application.task_id, r.decision) for r in AcceptanceReview.objects.select_related("application"))
    applications = Counter(AcceptanceApplication.objects.values_list("task_id", flat=True))
    announcements = Counter(Announcement.objects.values_list("task_id", flat=True))
    closures = Counter(Closure.objects.values_list("task_id", flat=True))
    objections = Counter(Objection.objects.values_list("announcement__task_id", flat=True))
    rejected = Counter(Objection.objects.filter(resolution="rejected").values_list("announcement__task_id", flat=True))
    assert objections and rejected and not Objection.objects.filter(resolution="upheld").exists()
    assert closures and announcements and reviews
    by_task: dict[Any, list[ChangeRecord]] = defaultdict(list)
    for row in rows:
        by_task[row.task_uuid].append(row)
    for task in Task.objects.filter(children__isnull=True):
        started = sum(1 for r in by_task[task.uuid] if r.reason == "开始整改")
        count = {"start": started, "apply": applications[task.pk], "accept": reviews[task.pk, "accept"],
                 "send_back": reviews[task.pk, "send_back"], "announce": announcements[task.pk], "object": objections[task.pk],
                 "reject": rejected[task.pk], "closure": closures[task.pk]}
        expected = Counter[Signature]()
        for name in moves:
            for _ in range(count[name]):
                expected += service[name]
        written = Counter(sig for sig in signatures(by_task[task.uuid]).elements() if sig in known)
        assert written == expected, task
