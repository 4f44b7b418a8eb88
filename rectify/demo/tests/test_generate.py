"""``rectify generate``: an empty database filled through the models, checked by the project's own rules."""
from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from rectify.core.history import snapshot, verify_chain
from rectify.core.models import AuditChain, ChangeRecord
from rectify.demo.generate.logins import PASSWORD
from rectify.dispatch.models import ProgressReport
from rectify.tasks.models import Task
from rectify.tasks.rollup import STATE_PROGRESS, derived_progress, derived_state

pytestmark = pytest.mark.django_db


def generate(**options: Any) -> str:
    out = io.StringIO()
    call_command("generate", stdout=out, **options)
    return out.getvalue()


def logins(output: str) -> list[str]:
    lines = output.split("各角色登录账号")[1].splitlines()[1:]
    return [line.split()[0] for line in lines if line.strip()]


def test_generated_ledger_passes_the_audit_and_every_login_sees_its_pages() -> None:
    output = generate(tasks=300, reports_per_task=3, provinces=4)
    assert "行/秒" in output
    assert Task.objects.count() == 300
    assert ProgressReport.objects.count() == 300 * 3
    count, problems = verify_chain()
    assert problems == [] and count == ChangeRecord.objects.count() > 300 * 3 * 2
    # Per-task chains, as core.history.record_change writes them: each task's chain holds its own
    # rows and its reports', and each head is that chain's last row.
    sample_task = Task.objects.order_by("?").first()
    chain = ChangeRecord.objects.filter(chain_key=f"task:{sample_task.uuid}").order_by("seq")
    assert {r.object_type for r in chain} >= {"tasks.task", "dispatch.progressreport"}
    assert [r.seq for r in chain] == list(range(1, chain.count() + 1))
    assert all(r.task_uuid == sample_task.uuid for r in chain)
    for head in AuditChain.objects.order_by("?")[:20]:
        last = ChangeRecord.objects.filter(chain_key=head.key).order_by("-seq").first()
        assert (head.seq, head.digest) == (last.seq, last.digest)
    assert AuditChain.objects.filter(key__startswith="task:").count() == 300
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "审计链完整" in out.getvalue()

    # Decomposition and roll-up as the services leave them.
    levels = set(Task.objects.values_list("region__level", flat=True))
    assert levels == {"province", "city", "county"}
    children: dict[int, list[str]] = defaultdict(list)
    for parent_id, state in Task.objects.filter(parent__isnull=False).values_list("parent_id", "state"):
        children[parent_id].append(state)
    assert children
    for task in Task.objects.all():
        if task.pk in children:
            assert task.progress_percent == derived_progress(children[task.pk])
            assert task.state == derived_state(children[task.pk], task.state)
        else:
            assert task.progress_percent == STATE_PROGRESS[task.state]
    # The task's 进展情况 is the text of its latest report.
    sample = Task.objects.order_by("?").first()
    latest = ProgressReport.objects.filter(task=sample).order_by("-period").first()
    assert sample.progress == latest.text

    users = logins(output)
    assert {"admin", "sheng_zgb", "shi_zgb", "xian_zgb", "qiantou", "zeren", "yanshou", "lingdao"} <= set(users)
    for username in users:
        client = Client()
        assert client.login(username=username, password=PASSWORD), username
        page = client.get("/ledger/")
        assert page.status_code == 200, username
        visible = Task.objects.visible_to(page.wsgi_request.user)
        assert visible.exists(), f"{username} 看不到任何任务"
        detail = client.get(f"/ledger/{visible.order_by('id').first().uuid}/")
        assert detail.status_code == 200, username


def test_history_rows_are_what_the_services_write() -> None:
    """Without reporting months nothing changes after creation: each task's create row is its snapshot."""
    generate(tasks=40, reports_per_task=0, provinces=2)
    rows = {r.object_uuid: r for r in ChangeRecord.objects.filter(object_type="tasks.task")}
    tasks = Task.objects.prefetch_related("measures", "milestones", "assignments__unit").select_related(
        "plan", "inspection__target_region", "region__parent", "parent")
    for task in tasks:
        assert rows[task.uuid].after == snapshot(task)
        stored = (task.search_text, task.seq_key, task.section_title)
        task.refresh_search_text()
        assert stored == (task.search_text, task.seq_key, task.section_title)
        assert task.region_path == task.region.path
    assert verify_chain()[1] == []


def test_bulk_writes_keep_the_indexes_and_the_sequences() -> None:
    """The large tables' indexes are dropped for the load and made again; ids come from the tables' own
    sequences, so the next row the services write gets the next id and extends the chain."""
    from django.db import connection

    def indexes() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            tables = [m._meta.db_table for m in (Task, ProgressReport, ChangeRecord)]
            return {(t, i.name if hasattr(i, "name") else str(i))
                    for t in tables for i in connection.introspection.get_constraints(cursor, t)}

    before = indexes()
    generate(tasks=30, reports_per_task=1, provinces=1)
    assert indexes() == before
    ids = list(ChangeRecord.objects.order_by("id").values_list("id", flat=True))
    assert ids == sorted(set(ids))
    from rectify.core.history import record_change

    task = Task.objects.order_by("id").first()
    row = record_change(task, ChangeRecord.Action.UPDATE, before={"x": 1}, after={"x": 2}, reason="测试", task_uuid=task.uuid)
    assert row.pk > ids[-1]
    last = ChangeRecord.objects.filter(chain_key=row.chain_key).exclude(pk=row.pk).order_by("-seq").first()
    assert last is not None and row.previous_digest == last.digest and row.seq == last.seq + 1
    assert verify_chain()[1] == []


def test_refuses_a_database_in_use(world: Any) -> None:
    with pytest.raises(CommandError, match="数据库不是空的"):
        generate(tasks=10)
    assert Task.objects.count() == 0


def test_each_part_registers_its_filler_and_they_run_in_order() -> None:
    """Fillers live in their apps' ``fillers`` modules and are found by ``core.fill.discover``."""
    from rectify.core.fill import discover

    fillers = discover()
    modules = [f.fill.__module__ for f in fillers]
    assert {"rectify.regions.fillers", "rectify.demo.generate.ledger", "rectify.demo.generate.logins",
            "rectify.acceptance.fillers", "rectify.supervision.fillers", "rectify.notifications.fillers",
            "rectify.demo.generate.security_logs"} <= set(modules)
    assert [f.order for f in fillers] == sorted(f.order for f in fillers)
    assert "core.ChangeRecord" in {label for f in fillers for label in f.large}
    output = generate(tasks=60, reports_per_task=2, provinces=2)
    for filler in fillers:  # each reported its rows
        assert f"  {filler.name}：" in output


def test_reports_acceptance_and_notices_are_written_as_their_services_write_them() -> None:
    from rectify.acceptance.models import AcceptanceApplication, AcceptanceReview
    from rectify.core import copies
    from rectify.core.models import DocumentCounter
    from rectify.core.numbering import SUPERVISION
    from rectify.dispatch.services import _report_snapshot
    from rectify.supervision.models import SupervisionNotice
    from rectify.tasks.states import DONE_STATES, TaskState

    generate(tasks=300, reports_per_task=6, provinces=3, seed=7)
    assert verify_chain()[1] == []
    rows = {(r.object_type, r.object_uuid, r.action): r for r in ChangeRecord.objects.all()}
    # Progress reports: the history picture is _report_snapshot of the stored report, the row names it as str();
    # a report of a closed round was reviewed after it was submitted (review_report's row holds the stored picture).
    unreviewed = {"version": 1, "status": "submitted", "reviewed_by": None, "reviewed_at": None}
    for report in ProgressReport.objects.select_related("round", "unit", "task", "reviewed_by"):
        created = rows[("dispatch.progressreport", report.uuid, "create")]
        reviewed = rows.get(("dispatch.progressreport", report.uuid, "transition"))
        assert created.object_repr == str(report)
        assert (report.unit_name, report.task_seq) == (report.unit.name, report.task.seq)  # the copies the round's list sorts by
        if report.round.status == "closed":
            assert reviewed is not None and reviewed.after == _report_snapshot(report) and report.status == "accepted"
            assert reviewed.before == created.after == reviewed.after | unreviewed
            assert reviewed.user_id == report.reviewed_by_id and reviewed.time == report.reviewed_at > created.time
        else:
            assert reviewed is None and created.after == _report_snapshot(report) and report.status == "submitted"
    # Acceptance: one application per task that reached 申请验收, a review per decision, rows in the task's chain
    # right before the transition the service makes.
    applied = Task.objects.filter(state__in=[TaskState.APPLIED, TaskState.SENT_BACK, TaskState.ACCEPTED,
                                             TaskState.ANNOUNCED, TaskState.CLOSED], children__isnull=True)
    assert applied.exists()
    assert AcceptanceApplication.objects.count() == applied.count()
    for application in AcceptanceApplication.objects.select_related("task", "applicant", "unit"):
        task = application.task
        expected = {TaskState.APPLIED: "pending", TaskState.SENT_BACK: "sent_back"}.get(task.state, "accepted")
        assert application.status == expected
        chain = list(ChangeRecord.objects.filter(chain_key=f"task:{task.uuid}").order_by("seq"))
        create = next(i for i, r in enumerate(chain) if r.object_uuid == application.uuid)
        assert chain[create + 1].after == {"state": TaskState.APPLIED} and chain[create + 1].object_uuid == task.uuid
        assert chain[create].user_name == application.applicant.get_full_name()
        assert chain[create].after == snapshot(application) | {"status": "pending"}
    for review in AcceptanceReview.objects.select_related("application"):
        assert review.decision == ("accept" if review.application.status == "accepted" else "send_back")
        assert rows[("acceptance.acceptancereview", review.uuid, "create")].after == snapshot(review)
    # Supervision notices: only on overdue unfinished tasks, numbered per issuer, the units of the task.
    notices = list(SupervisionNotice.objects.select_related("task__region", "region").prefetch_related("units"))
    assert notices
    for notice in notices:
        assert notice.task.deadline < notice.issued_on and notice.task.state not in DONE_STATES
        units = {a.unit_id for a in notice.task.assignments.filter(role__in=["lead", "responsible"])}
        assert {u.pk for u in notice.units.all()} == units
        row = rows[("supervision.supervisionnotice", notice.uuid, "create")]
        assert row.after == {**snapshot(notice), "units": [u.name for u in notice.units.order_by("name")]} or \
            sorted(row.after["units"]) == sorted(u.name for u in notice.units.all())
        assert row.chain_key == f"task:{notice.task.uuid}"
        assert notice.region_path == notice.task.region_path != ""  # the copy the lists' scope reads
    assert copies.check_all()["notice_region_path"] == []
    # Announcements: each announced task's latest flagged, as the triggers keep it (the load writes the flags itself).
    from rectify.acceptance.models import Announcement

    announced = Announcement.objects.values("task_id").distinct().count()
    assert announced and Announcement.objects.filter(is_latest=True, is_latest_published=True).count() == announced
    assert copies.check_all() == {name: [] for name in copies.COPIES}
    for issuer, year, last in DocumentCounter.objects.filter(kind=SUPERVISION).values_list("issuer", "year", "last"):
        seqs = sorted(n.seq for n in notices if (n.issuer, n.year) == (issuer, year))
        assert seqs == list(range(1, last + 1))


def test_the_counters_are_counted_after_the_load_and_kept_after_it() -> None:
    """The generator loads with the counters' triggers off and counts every counter table at the end;
    the triggers are back for the writes that follow."""
    from django.db.models import Sum

    from rectify.core.counters import check_all
    from rectify.tasks.models import Assignment, AssignmentCount, TaskCount
    from rectify.tasks.states import TaskState

    output = generate(tasks=60, reports_per_task=2, provinces=2)
    assert "计数表" in output
    assert TaskCount.objects.aggregate(n=Sum("n"))["n"] == 60
    assert AssignmentCount.objects.aggregate(n=Sum("n"))["n"] == Assignment.objects.count() > 60
    assert all(not problems for problems in check_all().values()), check_all()

    def closed() -> int:
        return int(TaskCount.objects.filter(state=TaskState.CLOSED).aggregate(n=Sum("n"))["n"] or 0)

    before = closed()
    Task.objects.filter(pk__in=Task.objects.exclude(state=TaskState.CLOSED).order_by("id").values("pk")[:5]) \
        .update(state=TaskState.CLOSED)
    assert closed() == before + 5
    assert all(not problems for problems in check_all().values()), check_all()


def test_each_login_is_told_of_the_tasks_in_its_scope_and_their_counts_are_kept() -> None:
    """``notifications.fillers``: about ``PER_TASK`` notifications per task in each login's scope, linking to one of
    them, read but for a backlog (more of the last month's unread); the badge and the list's total are counted."""
    import datetime

    from rectify.accounts.models import User
    from rectify.core.counters import check_all
    from rectify.notifications.fillers import PER_TASK
    from rectify.notifications.models import Notification
    from rectify.notifications.services import counted

    generate(tasks=60, reports_per_task=2, provinces=2)
    assert not check_all()["notifications"]
    now = timezone.now()
    for user in User.objects.filter(username__in=["admin", "sheng_zgb", "xian_zgb", "zeren"]):
        notes = Notification.objects.filter(recipient=user)
        visible = {str(uuid) for uuid in Task.objects.visible_to(user).values_list("uuid", flat=True)}
        assert notes.count() == round(len(visible) * PER_TASK) > 0
        assert {note.url.split("/")[-2] for note in notes} <= visible  # /ledger/<uuid>/: a task the user may see
        unread, every = counted(user)
        assert every == notes.count() and unread == notes.filter(read_at__isnull=True).count()
        assert all(note.read_at is None or note.created_at < note.read_at <= now for note in notes)
    admin_notes = Notification.objects.filter(recipient__username="admin")
    recent = admin_notes.filter(created_at__gte=now - datetime.timedelta(days=30))
    older = admin_notes.exclude(pk__in=recent.values("pk"))
    assert recent.filter(read_at__isnull=True).count() / recent.count() > older.filter(read_at__isnull=True).count() / older.count()
    client = Client()
    client.force_login(User.objects.get(username="sheng_zgb"))
    assert f"共 {counted(User.objects.get(username='sheng_zgb'))[1]} 条" in client.get("/notifications/").content.decode()


def test_a_year_of_sign_ins_and_reads_of_personal_data_is_logged() -> None:
    """``demo.generate.security_logs``: the logs that only grow, as the security module writes them, paged by the audit pages."""
    import datetime

    from rectify.accounts.models import LoginEvent, PersonalDataAccess, User
    from rectify.accounts.roles import Role
    from rectify.demo.generate.security_logs import DAYS, READS_PER_TASK, SIGN_INS_PER_TASK

    generate(tasks=60, reports_per_task=2, provinces=2)
    assert LoginEvent.objects.count() == 60 * SIGN_INS_PER_TASK and PersonalDataAccess.objects.count() == 60 * READS_PER_TASK
    oldest = timezone.now() - datetime.timedelta(days=DAYS, minutes=5)
    assert not LoginEvent.objects.filter(at__lt=oldest).exists() and not LoginEvent.objects.filter(at__gt=timezone.now()).exists()
    assert set(LoginEvent.objects.filter(success=False).values_list("kind", flat=True)) <= {LoginEvent.Kind.FAILURE}
    assert all(event.user is None or event.username == event.user.username for event in LoginEvent.objects.select_related("user"))
    tasks = {str(uuid) for uuid in Task.objects.values_list("uuid", flat=True)}
    assert set(PersonalDataAccess.objects.values_list("object_id", flat=True)) == tasks
    readers = User.objects.filter(personal_data_accesses__isnull=False).distinct()
    assert readers and all(any(grant.role == Role.OFFICE for grant in user.grants) for user in readers)
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    page = client.get("/accounts/audit/logins/").context["page"]
    assert [e.pk for e in page.object_list] == list(LoginEvent.objects.order_by("-at", "-pk").values_list("pk", flat=True)[:50])


def test_objections_are_received_in_their_period_and_resolved_before_the_closure() -> None:
    """A share of the announcements receive an objection, recorded and resolved as ``record_objection`` and
    ``resolve_objection`` write them: in the period, rejected before any closure (none upheld), some still pending on
    tasks in 公示中; the history in time order, the counters and the 公示期满待销号 count agree; the contact stays
    internal."""
    from rectify.acceptance.fillers import OBJECTION_SHARE
    from rectify.acceptance.models import Announcement, Closure, Objection
    from rectify.acceptance.todo import announcements_ended
    from rectify.accounts.models import User
    from rectify.tasks.states import TaskState

    output = generate(tasks=600, reports_per_task=6, provinces=3, seed=5)
    objections = list(Objection.objects.select_related("announcement__task", "recorded_by"))
    announcements = Announcement.objects.count()
    assert f"公示异议：{len(objections)}" in output
    assert 0 < len(objections) <= 3 * OBJECTION_SHARE * announcements, (len(objections), announcements)
    assert len({o.announcement_id for o in objections}) == len(objections)  # one objection per announcement at most
    rows = {(r.object_uuid, r.action): r for r in ChangeRecord.objects.filter(object_type="acceptance.objection")}
    assert len(rows) == len(objections) + sum(1 for o in objections if o.resolution)
    closures = {c.task_id: c for c in Closure.objects.all()}
    closed_rows = {r.task_uuid: r for r in ChangeRecord.objects.filter(object_type="acceptance.closure")}
    pending_announced = 0
    for objection in objections:
        announcement, task = objection.announcement, objection.announcement.task
        assert announcement.starts_on <= objection.received_on <= announcement.ends_on
        assert objection.recorded_by.username == "gen_office" and objection.contact and objection.content
        assert objection.resolution != Objection.Resolution.UPHELD and not objection.reopened_task
        created = rows[(objection.uuid, ChangeRecord.Action.CREATE)]
        assert (created.reason, created.user_id, created.chain_key) == ("登记公示异议", objection.recorded_by_id, f"task:{task.uuid}")
        assert created.after == snapshot(objection, exclude=("id", "created_at", "updated_at", "contact")) | {
            "resolution": "", "resolution_note": "", "resolved_at": None}
        assert objection.contact not in str(created.after) and created.before is None
        assert timezone.localdate(created.time) == objection.received_on
        resolved = rows.get((objection.uuid, ChangeRecord.Action.UPDATE))
        if task.state == TaskState.CLOSED:
            assert objection.resolution == Objection.Resolution.REJECTED and objection.resolution_note
            assert task.pk in closures and objection.resolved_at < closed_rows[task.uuid].time
            assert closures[task.pk].closed_on >= timezone.localdate(objection.resolved_at)
        else:
            assert task.state == TaskState.ANNOUNCED
            pending_announced += not objection.resolution
        if objection.resolution:
            assert resolved is not None and resolved.time == objection.resolved_at > created.time
            assert (resolved.reason, resolved.before, resolved.after) == (
                "异议不成立", {"resolution": ""}, {"resolution": "rejected", "resolution_note": objection.resolution_note})
        else:
            assert resolved is None
        chain = list(ChangeRecord.objects.filter(chain_key=f"task:{task.uuid}").order_by("seq"))
        assert [r.time for r in chain] == sorted(r.time for r in chain), task  # in time order within the task's chain
        announced_at = next(r.time for r in chain if r.object_type == "tasks.task" and (r.after or {}).get("state") == "announced")
        assert announced_at < created.time
    assert pending_announced and any(o.resolution for o in objections if o.announcement.task.state == TaskState.CLOSED)
    assert verify_chain()[1] == []
    out = io.StringIO()
    call_command("check_counters", stdout=out)
    assert "计数表一致" in out.getvalue()

    # 公示期满待销号: the ended announcements of tasks in announcement, less those with an objection pending.
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    ended = Announcement.objects.filter(is_latest=True, task__state=TaskState.ANNOUNCED, ends_on__lt=today)
    blocked = {o.announcement_id for o in objections if not o.resolution}
    assert blocked & set(ended.values_list("id", flat=True))
    assert announcements_ended(admin, 10).to_count.count() == ended.exclude(id__in=blocked).count()

    # The public pages never show who objected.
    client = Client()
    pages = [client.get("/public/closures/")] + [client.get(f"/public/closures/{o.announcement.task.uuid}/") for o in objections]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert not any(o.contact in text for o in objections if o.contact != "匿名")
        assert not any(o.content in text for o in objections)
