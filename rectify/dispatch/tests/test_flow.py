"""The dispatch loop driven through HTTP by the users who do it."""
from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import pdf_bytes, png_bytes
from rectify.core.models import ChangeRecord
from rectify.dispatch import services
from rectify.dispatch.jobs import remind_missing_reports
from rectify.dispatch.models import EvidenceFile, ProgressReport, Reminder, ReportingRound, Verification, VerificationSample
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import TaskState

from .conftest import exe_bytes

pytestmark = pytest.mark.django_db
DUE = datetime.date(2026, 11, 30)
TEXT = "已清理河道两岸垃圾 320 吨，建立巡河保洁制度，完成 80%。"


def url(name: str, *objs: Any) -> str:
    return reverse(f"dispatch:{name}", args=[o.uuid for o in objs])


def open_round(client: Any, region: Any, **extra: Any) -> Any:
    data = {"region": region.pk, "title": "2026年11月调度", "period_start": "2026-11-01", "period_end": "2026-11-30",
            "due_date": DUE.isoformat(), **extra}
    return client.post(reverse("dispatch:round_create"), data)


def county_assignment(task: Task, world: Any) -> Assignment:
    return task.assignments.get(unit=world.unit_county_env)


def submit(client: Any, round_: ReportingRound, assignment: Assignment, *, text: str = TEXT, files: list[Any] | None = None,
           version: int | None = None, schedule: str = "on_schedule", percent: str = "80") -> Any:
    if files is None:
        files = [SimpleUploadedFile("现场照片.png", png_bytes(), "image/png")]
    if version is None:
        report = ProgressReport.objects.filter(round=round_, assignment=assignment).first()
        version = report.version if report else 0
    return client.post(url("report_form", round_, assignment),
                       {"text": text, "schedule": schedule, "percent": percent, "version": version, "files": files})


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def round_(world: Any, login: Any) -> ReportingRound:
    response = open_round(login(world.city_office), world.city)
    assert response.status_code == 302, response.content.decode()
    return ReportingRound.objects.get()


@pytest.fixture
def sent(monkeypatch: Any) -> list[dict[str, Any]]:
    """Capture notifications (the notifications app is written separately; its contract is notify(users, title, ...))."""
    calls: list[dict[str, Any]] = []

    def fake_notify(users: Any, title: str, body: str = "", url: str = "", email: bool = False) -> int:
        users = list(users)
        calls.append({"users": {u.username for u in users}, "title": title, "body": body, "url": url, "email": email})
        return len(users)

    monkeypatch.setattr(services, "_notify_function", lambda: fake_notify)
    return calls


# ---------------------------------------------------------------- opening a round

def test_office_opens_round(world: Any, login: Any) -> None:
    client = login(world.city_office)
    page = client.get(reverse("dispatch:round_create"))
    assert page.status_code == 200 and "发起调度" in page.content.decode()
    response = open_round(client, world.city)
    round_ = ReportingRound.objects.get()
    assert response.url == url("round", round_)
    assert round_.region == world.city and round_.opened_by == world.city_office and round_.is_open
    assert ChangeRecord.objects.filter(object_uuid=round_.uuid, action="create").exists()


def test_round_form_validates(world: Any, login: Any) -> None:
    client = login(world.city_office)
    response = open_round(client, world.city, period_end="2026-10-01")
    assert response.status_code == 400 and "调度期止不能早于调度期起" in response.content.decode()
    # A region outside the office's subtree is not a choice.
    response = open_round(client, world.other_city)
    assert response.status_code == 400
    assert not ReportingRound.objects.exists()


def test_only_offices_open_rounds(world: Any, login: Any) -> None:
    for user in (world.leader, world.county_unit, world.reviewer):
        assert open_round(login(user), world.city).status_code == 403
    assert not ReportingRound.objects.exists()


# ---------------------------------------------------------------- a unit reports

def test_unit_sees_its_round_and_submits_with_png(world: Any, login: Any, make_task: Any, round_: ReportingRound, settings: Any) -> None:
    task = make_task()
    client = login(world.county_unit)
    home = client.get(reverse("dispatch:home")).content.decode()
    assert "我的调度任务" in home and round_.title in home and "未报送" in home
    assignment = county_assignment(task, world)
    assert client.get(url("report_form", round_, assignment)).status_code == 200
    response = submit(client, round_, assignment)
    report = ProgressReport.objects.get()
    assert response.status_code == 302 and response.url == url("report", report)
    assert report.unit == world.unit_county_env and report.schedule == "on_schedule" and report.percent == 80
    evidence = EvidenceFile.objects.get()
    assert evidence.kind == "png" and evidence.content_type == "image/png" and evidence.original_name == "现场照片.png"
    assert evidence.file.name.startswith("dispatch/") and "现场照片" not in evidence.file.name
    assert evidence.size == len(png_bytes())
    import hashlib
    assert evidence.sha256 == hashlib.sha256(png_bytes()).hexdigest()
    assert (settings.MEDIA_ROOT / evidence.file.name).read_bytes() == png_bytes()


def test_exe_renamed_pdf_refused(world: Any, login: Any, make_task: Any, round_: ReportingRound, settings: Any) -> None:
    task = make_task()
    client = login(world.county_unit)
    assignment = county_assignment(task, world)
    response = submit(client, round_, assignment, files=[SimpleUploadedFile("整改报告.pdf", exe_bytes(), "application/pdf")])
    assert response.status_code == 400
    assert "内容不是允许的类型" in response.content.decode()
    assert not ProgressReport.objects.exists() and not EvidenceFile.objects.exists()
    assert not (settings.MEDIA_ROOT / "dispatch").exists() or not any((settings.MEDIA_ROOT / "dispatch").iterdir())
    assert Task.objects.get(pk=task.pk).progress == ""


def test_form_validates_for_real(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    client = login(world.county_unit)
    assignment = county_assignment(task, world)
    response = submit(client, round_, assignment, text="  ", percent="120", schedule="nonsense")
    body = response.content.decode()
    assert response.status_code == 400 and "请填写进展情况" in body and "0 到 100" in body
    assert not ProgressReport.objects.exists()


def test_resubmission_is_a_new_version_not_a_duplicate(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    client = login(world.county_unit)
    assignment = county_assignment(task, world)
    assert submit(client, round_, assignment).status_code == 302
    assert submit(client, round_, assignment, text="已全部完成清理。",
                  files=[SimpleUploadedFile("验收报告.pdf", pdf_bytes(), "application/pdf")], schedule="done").status_code == 302
    report = ProgressReport.objects.get()
    assert report.version == 2 and report.text == "已全部完成清理。" and report.schedule == "done"
    # A re-upload adds evidence: the earlier file stays, nothing is marked replaced.
    old, new = EvidenceFile.objects.order_by("id")
    assert old.report == new.report == report and old.superseded_by is None and new.superseded_by is None and new.kind == "pdf"
    history = ChangeRecord.objects.filter(object_uuid=report.uuid).order_by("id")
    assert [h.action for h in history] == ["create", "update"]
    assert history[1].before["text"] == TEXT and history[1].after["text"] == "已全部完成清理。"
    # A stale form (version 1 after the second save) is refused, nothing overwritten.
    response = submit(client, round_, assignment, text="旧页面提交", version=1, files=[])
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    assert ProgressReport.objects.get().text == "已全部完成清理。"
    detail = client.get(url("report", report)).content.decode()
    assert "验收报告.pdf" in detail and "现场照片.png" in detail and "替换" not in detail


def test_report_becomes_task_progress_with_history(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    assert submit(login(world.county_unit), round_, county_assignment(task, world)).status_code == 302
    task = Task.objects.get(pk=task.pk)
    assert task.progress == TEXT
    row = ChangeRecord.objects.filter(task_uuid=task.uuid, object_uuid=task.uuid, action="update").latest("id")
    assert row.reason == "调度报送：2026年11月调度" and row.after["progress"] == TEXT
    # The office and the leader read the same text on the task page, nobody retypes it.
    for user in (world.city_office, world.leader):
        page = login(user).get(reverse("tasks:detail", args=[task.uuid]))
        assert TEXT in page.content.decode()
    listing = login(world.leader).get(url("task_reports", task)).content.decode()
    assert TEXT[:20] in listing


def test_closed_round_refuses_reports(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    office = login(world.city_office)
    assert office.post(url("close", round_), {"version": round_.version}).status_code == 302
    assert ReportingRound.objects.get().status == "closed"
    response = submit(login(world.county_unit), round_, county_assignment(task, world))
    assert response.status_code == 400 and "已经结束" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_done_tasks_are_not_expected(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    done = make_task()
    Task.objects.filter(pk=done.pk).update(state=TaskState.CLOSED)
    long_term = make_task(long_term=True)
    Task.objects.filter(pk=long_term.pk).update(state=TaskState.CLOSED)
    expected = set(services.expected_assignments(round_).values_list("task_id", flat=True))
    assert expected == {long_term.pk}
    response = submit(login(world.county_unit), round_, county_assignment(done, world))
    assert response.status_code == 404


# ---------------------------------------------------------------- the office's dashboard

def test_dashboard_counts_and_filters(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    t1, t2 = make_task(), make_task()
    make_task(region=world.other_city, plan=world.other_plan, units={"responsible": [world.unit_other_env]})  # outside
    submit(login(world.county_unit), round_, county_assignment(t1, world))
    client = login(world.city_office)
    response = client.get(url("round", round_))
    assert response.status_code == 200
    assert (response.context["total"], response.context["reported"], response.context["missing"]) == (4, 1, 3)
    rows = {r["unit__name"]: (r["expected"], r["reported"], r["missing"]) for r in response.context["rows"]}
    assert rows == {"区生态环境分局": (2, 1, 1), "市生态环境局": (2, 0, 2)}
    missing = client.get(url("round", round_), {"show": "missing", "q": "分局"}).context["rows"]
    assert [r["unit__name"] for r in missing] == ["区生态环境分局"]
    submit(login(world.county_unit), round_, county_assignment(t2, world))
    reported = client.get(url("round", round_), {"show": "reported"}).context["rows"]
    assert [r["unit__name"] for r in reported] == ["区生态环境分局"]
    page = client.get(url("round", round_))
    labels = {label.label: n for label, n, _ in page.context["labels"]}
    assert labels["达到序时进度"] == 2 and labels["滞后"] == 0
    assert page.context["overdue_tasks"] == 0
    Task.objects.filter(pk=t1.pk).update(deadline=datetime.date(2020, 1, 1))
    assert client.get(url("round", round_)).context["overdue_tasks"] == 1


def test_dashboard_and_lists_have_bounded_queries(world: Any, login: Any, make_task: Any, round_: ReportingRound,
                                                  django_assert_max_num_queries: Any) -> None:
    tasks = [make_task() for _ in range(8)]
    unit = login(world.county_unit)
    for task in tasks:
        submit(unit, round_, county_assignment(task, world))
    office = login(world.city_office)
    pages = [(office, url("round", round_)), (office, url("round_reports", round_)), (office, reverse("dispatch:home")),
             (office, url("task_reports", tasks[0])), (unit, reverse("dispatch:home")), (unit, url("round", round_)),
             (login(world.lead_unit), reverse("dispatch:home"))]
    office.post(url("verification", round_), {"size": 5, "seed": 7})
    pages.append((office, url("verification", round_)))
    for client, address in pages:
        client.get(address)  # warm the session
        with django_assert_max_num_queries(14):  # eight rows each (+1 for the unread badge in the header); a query per row would exceed this
            assert client.get(address).status_code == 200, address


def test_lists_show_empty_states(world: Any, login: Any, round_: ReportingRound) -> None:
    office = login(world.city_office)
    assert "没有符合条件的报送" in office.get(url("round_reports", round_)).content.decode()
    assert "尚未抽取核查任务" in office.get(url("verification", round_)).content.decode()
    assert "目前没有需要本单位报送的调度" in login(world.county_unit).get(reverse("dispatch:home")).content.decode()


# ---------------------------------------------------------------- reminders

def test_one_click_reminder_notifies_only_missing_units(world: Any, login: Any, make_task: Any, round_: ReportingRound,
                                                        sent: list[dict[str, Any]]) -> None:
    task = make_task(units={"lead": [world.unit_city_env], "responsible": [world.unit_county_env]})
    submit(login(world.county_unit), round_, county_assignment(task, world))
    response = login(world.city_office).post(url("remind", round_), follow=True)
    assert "已提醒 1 个未报送单位（1 人）" in messages_of(response)
    assert len(sent) == 1 and sent[0]["users"] == {"lead_unit"} and sent[0]["email"] is True
    assert sent[0]["url"] == url("round", round_)
    reminder = Reminder.objects.get()
    assert reminder.kind == "manual" and reminder.units == ["市生态环境局"] and reminder.sent_by == world.city_office
    assert ChangeRecord.objects.filter(object_uuid=round_.uuid, reason__startswith="报送提醒").exists()


def test_periodic_reminder_3_and_1_days_before_is_idempotent(world: Any, make_task: Any, login: Any, round_: ReportingRound,
                                                             sent: list[dict[str, Any]]) -> None:
    task = make_task()
    submit(login(world.lead_unit), round_, task.assignments.get(unit=world.unit_city_env))
    assert remind_missing_reports(today=DUE - datetime.timedelta(days=5)) == 0
    assert remind_missing_reports(today=DUE - datetime.timedelta(days=3)) == 1
    assert remind_missing_reports(today=DUE - datetime.timedelta(days=3)) == 0
    assert remind_missing_reports(today=DUE - datetime.timedelta(days=2)) == 0
    assert remind_missing_reports(today=DUE - datetime.timedelta(days=1)) == 1
    assert remind_missing_reports(today=DUE - datetime.timedelta(days=1)) == 0
    assert remind_missing_reports(today=DUE + datetime.timedelta(days=1)) == 0
    assert [s["users"] for s in sent] == [{"county_unit"}, {"county_unit"}]
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == ["due_1", "due_3"]
    # Nobody sent them: the reminders name no sender and their history rows say the system did it.
    assert set(Reminder.objects.values_list("sent_by", flat=True)) == {None}
    rows = ChangeRecord.objects.filter(object_uuid=round_.uuid, reason__startswith="报送提醒").order_by("id")
    assert [(r.user, r.user_name) for r in rows] == [(None, "系统"), (None, "系统")]


def test_reminder_check_is_registered() -> None:
    try:
        from rectify.jobs.registry import periodic_checks
    except ImportError:
        pytest.skip("jobs app not yet present")
    check = next(c for c in periodic_checks() if c.name == "dispatch.remind_missing_reports")
    assert check.func is remind_missing_reports and check.every_minutes == 60


def test_periodic_reminder_with_real_notifications(world: Any, make_task: Any, round_: ReportingRound) -> None:
    try:
        from rectify.notifications.services import notify  # noqa: F401
    except ImportError:
        pytest.skip("notifications app not yet present")
    make_task()
    assert remind_missing_reports(today=DUE - datetime.timedelta(days=3)) == 1
    assert Reminder.objects.get().recipients == 2


# ---------------------------------------------------------------- the lead unit reviews

def test_lead_unit_returns_cooperating_report(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task(units={"lead": [world.unit_city_env], "cooperating": [world.unit_county_env]})
    unit = login(world.county_unit)
    submit(unit, round_, county_assignment(task, world))
    report = ProgressReport.objects.get()
    lead = login(world.lead_unit)
    assert list(lead.get(reverse("dispatch:home")).context["reviews"]) == [report]
    response = lead.post(url("review", report), {"decision": "return", "note": "", "version": report.version}, follow=True)
    assert any("退回时请填写退回理由" in m for m in messages_of(response))
    lead.post(url("review", report), {"decision": "return", "note": "缺少现场照片的拍摄日期", "version": report.version})
    report.refresh_from_db()
    assert report.status == "returned" and report.reviewer_note == "缺少现场照片的拍摄日期" and report.reviewed_by == world.lead_unit
    assert ChangeRecord.objects.filter(object_uuid=report.uuid, action="transition").exists()
    assert "牵头单位已退回" in unit.get(url("report_form", round_, county_assignment(task, world))).content.decode()
    # The reporting unit cannot review its own report; resubmitting puts it back to the lead unit.
    assert unit.post(url("review", report), {"decision": "accept", "note": "", "version": report.version}).status_code == 403
    submit(unit, round_, county_assignment(task, world), text="补充了拍摄日期。")
    report.refresh_from_db()
    assert report.status == "submitted" and report.reviewer_note == ""
    lead.post(url("review", report), {"decision": "accept", "note": "", "version": report.version})
    assert ProgressReport.objects.get().status == "accepted"


# ---------------------------------------------------------------- scope and roles

def test_other_unit_gets_404(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    submit(login(world.county_unit), round_, county_assignment(task, world))
    report, evidence = ProgressReport.objects.get(), EvidenceFile.objects.get()
    other = login(world.other_unit)
    for address in (url("round", round_), url("report", report), url("download", evidence), url("task_reports", task),
                    url("report_form", round_, county_assignment(task, world)), url("round_reports", round_),
                    url("export", round_)):
        assert other.get(address).status_code == 404, address
    assert other.post(url("review", report), {"decision": "accept", "version": 1}).status_code == 404
    assert submit(other, round_, county_assignment(task, world)).status_code == 404
    assert round_.title not in other.get(reverse("dispatch:home")).content.decode()


def test_lead_unit_cannot_report_for_the_county_unit(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    assert submit(login(world.lead_unit), round_, county_assignment(task, world)).status_code == 404


def test_leader_reads_but_cannot_write(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    submit(login(world.county_unit), round_, county_assignment(task, world))
    report = ProgressReport.objects.get()
    leader = login(world.leader)
    for address in (url("round", round_), url("round_reports", round_), url("report", report), url("export", round_),
                    url("verification", round_)):
        assert leader.get(address).status_code == 200, address
    assert leader.post(url("remind", round_)).status_code == 403
    assert leader.post(url("close", round_), {"version": round_.version}).status_code == 403
    assert leader.post(url("verification", round_), {"size": 1}).status_code == 403
    assert leader.post(url("review", report), {"decision": "accept", "version": report.version}).status_code == 403
    assert submit(leader, round_, county_assignment(task, world)).status_code == 404
    assert leader.get(reverse("dispatch:round_create")).status_code == 403
    assert ReportingRound.objects.get().is_open and not Reminder.objects.exists() and not VerificationSample.objects.exists()


def test_login_required(client: Any, world: Any, round_: ReportingRound) -> None:
    response = client.get(url("round", round_))
    assert response.status_code == 302 and "/accounts/" in response.url


# ---------------------------------------------------------------- files, export, verification

def test_download_through_access_checked_view(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    submit(login(world.county_unit), round_, county_assignment(task, world))
    evidence = EvidenceFile.objects.get()
    response = login(world.city_office).get(url("download", evidence))
    assert response.status_code == 200 and b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Disposition"].startswith("attachment") and "filename*=utf-8''" in response["Content-Disposition"]
    assert response["Content-Type"] == "image/png"


def test_export_xlsx_reads_back(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    from openpyxl import load_workbook

    t1, t2 = make_task(title="河道垃圾整治"), make_task(title="扬尘治理")
    unit = login(world.county_unit)
    submit(unit, round_, county_assignment(t1, world))
    submit(unit, round_, county_assignment(t2, world), text="扬尘治理滞后。", schedule="lagging", files=[])
    response = login(world.city_office).get(url("export", round_))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "整改任务", "责任单位", "进展情况", "序时进度", "报送时间", "附件数")
    assert rows[1][0] == 1 and "河道垃圾整治" in rows[1][1] and rows[1][2] == "区生态环境分局" and rows[1][3] == TEXT
    assert rows[1][4] == "达到序时进度" and rows[1][6] == 1
    assert rows[2][3] == "扬尘治理滞后。" and rows[2][4] == "滞后" and rows[2][6] == 0
    assert len(rows) == 3
    filtered = login(world.city_office).get(url("export", round_), {"schedule": "lagging"})
    assert len(list(load_workbook(io.BytesIO(filtered.content)).active.iter_rows())) == 2


def test_a_large_export_is_built_in_the_background(world: Any, login: Any, make_task: Any, round_: ReportingRound,
                                                   settings: Any, tmp_path: Any) -> None:
    from io import StringIO

    from django.core.management import call_command
    from openpyxl import load_workbook

    from rectify.jobs.models import ExportFile

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RECTIFY_EXPORT_BACKGROUND_ROWS = 1
    t1, t2 = make_task(title="河道垃圾整治"), make_task(title="扬尘治理")
    unit = login(world.county_unit)
    submit(unit, round_, county_assignment(t1, world))
    submit(unit, round_, county_assignment(t2, world), text="扬尘治理滞后。", schedule="lagging", files=[])
    office = login(world.city_office)
    response = office.get(url("export", round_))
    export = ExportFile.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:export", args=[export.uuid]) and export.total == 2
    call_command("worker", "--once", verbosity=0, stdout=StringIO())
    state = office.get(reverse("jobs:export_status", args=[export.uuid])).json()
    assert state["percent"] == 100 and state["download"]
    rows = list(load_workbook(io.BytesIO(office.get(state["download"]).content)).active.iter_rows(values_only=True))
    settings.RECTIFY_EXPORT_BACKGROUND_ROWS = 2000
    immediate_rows = list(load_workbook(io.BytesIO(office.get(url("export", round_)).content)).active.iter_rows(values_only=True))
    assert rows == immediate_rows and len(rows) == 3 and rows[2][3] == "扬尘治理滞后。"
    assert login(world.leader).get(state["download"]).status_code == 404  # may see the round, did not ask for the file


def test_quarterly_verification_is_seeded_and_recorded(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    tasks = [make_task() for _ in range(6)]
    office = login(world.city_office)
    response = office.post(url("verification", round_), {"size": 3, "seed": 2026}, follow=True)
    assert "已随机抽取 3 项任务（随机种子 2026）" in messages_of(response)
    sample = VerificationSample.objects.get()
    assert sample.seed == 2026 and sample.population == 6 and sample.quarter == "2026年第4季度"
    chosen = sorted(Verification.objects.values_list("task_id", flat=True))
    import random
    assert chosen == sorted(random.Random(2026).sample(sorted(t.pk for t in tasks), 3))
    item = Verification.objects.first()
    assert item is not None
    response = office.post(url("finding", item), {"finding": "现场查看河道已清理，巡河记录齐全。", "result": "substantiated"}, follow=True)
    assert "核查情况已登记" in messages_of(response)
    item.refresh_from_db()
    assert item.result == "substantiated" and item.checker == world.city_office and item.checked_at
    assert ChangeRecord.objects.filter(object_uuid=item.uuid, reason="登记核查情况").exists()
    bad = office.post(url("finding", item), {"finding": "", "result": "maybe"}, follow=True)
    assert any("请填写核查情况" in m for m in messages_of(bad))
    assert login(world.leader).post(url("finding", item), {"finding": "x", "result": "not"}).status_code == 403


def test_admin_lists_are_read_only(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    submit(login(world.county_unit), round_, county_assignment(task, world))
    world.admin.is_superuser = True
    world.admin.save()
    admin = login(world.admin)
    for model in ("reportinground", "progressreport", "evidencefile", "reminder", "verificationsample", "verification"):
        assert admin.get(reverse(f"admin:dispatch_{model}_changelist")).status_code == 200, model
    assert admin.get(reverse("admin:dispatch_reportinground_add")).status_code == 403
