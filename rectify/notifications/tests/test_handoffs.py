"""Every row of the hand-off table (handoffs.HANDOFFS), through HTTP as the real role: who is told
(in the app and by e-mail with an absolute link) and who is not (the actor, users out of scope)."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from rectify.acceptance.models import AcceptanceApplication, Announcement, Objection
from rectify.acceptance.tests.test_flow import announce, apply, fresh, review
from rectify.accounts.roles import Role
from rectify.core.models import ChangeRecord
from rectify.dispatch.jobs import remind_missing_reports
from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.dispatch.tests.test_flow import open_round, submit
from rectify.notifications.handoffs import HANDOFFS
from rectify.notifications.models import Notification
from rectify.tasks.models import Assignment

pytestmark = pytest.mark.django_db
SITE = "https://zhenggai.example.gov.cn"
# The rows tested below, by name: a new row without a test fails test_every_row_has_a_test.
COVERED = {"report_submitted", "report_returned", "report_accepted", "reminder_unreachable", "application_submitted",
           "application_accepted", "application_to_announce", "application_sent_back", "task_announced", "task_closed",
           "objection_recorded", "task_reopened", "notice_issued", "notice_done", "notice_closed", "notice_sent_back",
           "notice_escalated", "extension_requested", "extension_decided", "filing_submitted", "filing_acknowledged"}


@pytest.fixture(autouse=True)
def mail_and_site(settings: Any, tmp_path: Path) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RECTIFY_SITE_URL = SITE
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(world: Any) -> Any:
    """Every user gets an address; plus a reviewer and an office of another city (out of scope)."""
    from rectify.accounts.models import RoleGrant, User

    for name in ("other_reviewer", "other_office"):
        user = User.objects.create_user(username=name, password=PASSWORD)
        RoleGrant.objects.create(user=user, role=Role.REVIEWER if name == "other_reviewer" else Role.OFFICE, region=world.other_city)
        setattr(world, name, user)
    for user in User.objects.all():
        user.email = f"{user.username}@example.gov.cn"
        user.save(update_fields=["email"])
    return world


@pytest.fixture
def step(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run one step, committing it (mail goes after the commit); return what it sent."""

    def run(action: Callable[[], Any]) -> Any:
        before = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = action()
        notes = list(Notification.objects.filter(id__gt=before).select_related("recipient"))
        return response, notes

    return run


def who(notes: list[Notification], title: str) -> set[str]:
    return {n.recipient.username for n in notes if title in n.title}


def assert_mailed(notes: list[Notification], title: str) -> None:
    """Each notified user got one mail whose link is absolute: the site address + the notification's path."""
    for note in (n for n in notes if title in n.title):
        messages = [m for m in mail.outbox if m.to == [note.recipient.email] and title in m.subject]
        assert len(messages) == 1, (note.recipient.username, [m.subject for m in mail.outbox])
        assert note.url.startswith("/") and f"{SITE}{note.url}" in messages[0].body
        assert note.emailed_at is not None or Notification.objects.get(pk=note.pk).emailed_at is not None


# ---------------------------------------------------------------- dispatch

@pytest.fixture
def round_(people: Any, login: Any) -> ReportingRound:
    assert open_round(login(people.city_office), people.city).status_code == 302
    return ReportingRound.objects.get()


def test_report_submitted_tells_the_lead_unit_only(people: Any, login: Any, make_task: Any, round_: ReportingRound, step: Any) -> None:
    task = make_task()
    county = task.assignments.get(unit=people.unit_county_env)
    _, notes = step(lambda: submit(login(people.county_unit), round_, county))
    assert who(notes, "进展报送待审核") == {"lead_unit"}
    assert_mailed(notes, "进展报送待审核")
    report = ProgressReport.objects.get()
    assert notes[0].url == reverse("dispatch:report", args=[report.uuid])
    # The lead unit's own report needs nobody's review.
    lead = task.assignments.get(role=Assignment.Role.LEAD)
    _, notes = step(lambda: submit(login(people.lead_unit), round_, lead))
    assert notes == []


def test_report_review_tells_the_reporting_unit_and_resubmission_the_lead(people: Any, login: Any, make_task: Any,
                                                                           round_: ReportingRound, step: Any) -> None:
    task = make_task()
    county = task.assignments.get(unit=people.unit_county_env)
    assert submit(login(people.county_unit), round_, county).status_code == 302
    report = ProgressReport.objects.get()
    lead = login(people.lead_unit)

    def review_report(decision: str, note: str) -> Any:
        return lead.post(reverse("dispatch:review", args=[report.uuid]),
                         {"decision": decision, "note": note, "version": ProgressReport.objects.get().version})

    _, notes = step(lambda: review_report("return", "佐证材料不全，请补充现场照片"))
    assert who(notes, "进展报送被退回") == {"county_unit"}
    assert "佐证材料不全" in notes[0].body
    assert_mailed(notes, "进展报送被退回")
    # The unit reports again: the lead unit is told again.
    _, notes = step(lambda: submit(login(people.county_unit), round_, county))
    assert who(notes, "进展报送待审核") == {"lead_unit"}
    _, notes = step(lambda: review_report("accept", ""))
    assert who(notes, "进展报送已认可") == {"county_unit"}
    assert_mailed(notes, "进展报送已认可")


def test_manual_reminder_names_units_without_accounts(people: Any, login: Any, make_task: Any, round_: ReportingRound,
                                                     step: Any) -> None:
    make_task(units={Assignment.Role.LEAD: [people.unit_city_env], Assignment.Role.RESPONSIBLE: [people.unit_county_gov]})
    office = login(people.city_office)
    response, notes = step(lambda: office.post(reverse("dispatch:remind", args=[round_.uuid]), follow=True))
    text = response.content.decode()
    assert "没有可接收通知的有效账号" in text and people.unit_county_gov.name in text
    assert people.unit_city_env.name not in text.split("有效账号")[1].split("<")[0]
    record = ChangeRecord.objects.filter(object_uuid=round_.uuid, reason__startswith="报送提醒").get()
    assert record.after["no_account"] == [people.unit_county_gov.name]
    # The office that pressed the button read it on the page; it is not also notified.
    assert who(notes, "无法送达") == set()
    assert who(notes, "调度报送提醒") == {"lead_unit"}


def test_automatic_reminder_tells_the_office_which_units_it_cannot_reach(people: Any, make_task: Any,
                                                                          round_: ReportingRound, step: Any) -> None:
    make_task(units={Assignment.Role.LEAD: [people.unit_city_env], Assignment.Role.RESPONSIBLE: [people.unit_county_gov]})
    _, notes = step(lambda: remind_missing_reports(today=round_.due_date - datetime.timedelta(days=3)))
    assert who(notes, "无法送达") == {"city_office"}
    note = next(n for n in notes if "无法送达" in n.title)
    assert people.unit_county_gov.name in note.body and people.unit_city_env.name not in note.body
    assert_mailed(notes, "无法送达")
    record = ChangeRecord.objects.filter(object_uuid=round_.uuid, reason__startswith="报送提醒").get()
    assert record.after["no_account"] == [people.unit_county_gov.name] and record.user is None


def test_reminder_with_every_unit_reachable_says_nothing_more(people: Any, login: Any, make_task: Any,
                                                             round_: ReportingRound, step: Any) -> None:
    make_task()
    _, notes = step(lambda: remind_missing_reports(today=round_.due_date - datetime.timedelta(days=3)))
    assert who(notes, "无法送达") == set() and who(notes, "调度报送提醒") == {"lead_unit", "county_unit"}


# ---------------------------------------------------------------- acceptance

def test_application_tells_the_reviewers_of_the_region(people: Any, login: Any, make_task: Any, step: Any) -> None:
    task = make_task()
    _, notes = step(lambda: apply(login(people.county_unit), task))
    assert who(notes, "验收申请待验收") == {"reviewer"}  # not other_reviewer, not the applicant, not the office
    application = AcceptanceApplication.objects.get()
    assert notes[0].url == reverse("acceptance:review", args=[application.uuid])
    assert_mailed(notes, "验收申请待验收")


def test_application_without_a_reviewer_goes_to_the_office(people: Any, login: Any, make_task: Any, step: Any) -> None:
    from rectify.accounts.models import RoleGrant

    RoleGrant.objects.filter(user=people.reviewer).delete()
    task = make_task()
    _, notes = step(lambda: apply(login(people.county_unit), task))
    assert who(notes, "验收申请待验收") == {"city_office"}


def test_acceptance_tells_the_applicant_unit_and_the_office_to_announce(people: Any, login: Any, make_task: Any, step: Any) -> None:
    task = make_task()
    assert apply(login(people.county_unit), task).status_code == 302
    application = AcceptanceApplication.objects.get()
    _, notes = step(lambda: review(login(people.reviewer), application))
    assert fresh(task).state == "accepted"
    assert who(notes, "验收通过：") == {"county_unit"}
    assert who(notes, "待发布销号公示") == {"city_office"}  # the nearest office, not the province's nor another city's
    assert "reviewer" not in {n.recipient.username for n in notes}
    assert_mailed(notes, "验收通过：")
    assert_mailed(notes, "待发布销号公示")


def test_send_back_tells_the_applicant_unit(people: Any, login: Any, make_task: Any, step: Any) -> None:
    task = make_task()
    assert apply(login(people.county_unit), task).status_code == 302
    application = AcceptanceApplication.objects.get()
    _, notes = step(lambda: review(login(people.reviewer), application, decision="send_back", implemented="no", reasons="护坡未完工"))
    assert fresh(task).state == "sent_back"
    assert who(notes, "验收申请被退回") == {"county_unit"}
    assert {n.recipient.username for n in notes} == {"county_unit"}
    assert_mailed(notes, "验收申请被退回")


def accepted(people: Any, login: Any, make_task: Any) -> Any:
    task = make_task()
    assert apply(login(people.county_unit), task).status_code == 302
    assert review(login(people.reviewer), AcceptanceApplication.objects.get(task=task)).status_code == 302
    return task


def test_announcement_and_closure_tell_the_task_units(people: Any, login: Any, make_task: Any, step: Any) -> None:
    task = accepted(people, login, make_task)
    office = login(people.city_office)
    _, notes = step(lambda: announce(office, task, starts_on=timezone.localdate().isoformat()))
    assert who(notes, "销号公示已发布") == {"lead_unit", "county_unit"}  # not other_unit, not the office itself
    assert_mailed(notes, "销号公示已发布")
    from rectify.acceptance.tests.test_flow import elapse

    elapse(task, 20)  # the announcement period passes
    _, notes = step(lambda: office.post(reverse("acceptance:close", args=[task.uuid]), {"version": fresh(task).version}))
    assert fresh(task).state == "closed"
    assert who(notes, "整改任务已销号") == {"lead_unit", "county_unit"}
    assert_mailed(notes, "整改任务已销号")


def test_objection_tells_the_office_and_upholding_it_reopens_for_the_units(people: Any, login: Any, make_task: Any, step: Any) -> None:
    task = accepted(people, login, make_task)
    office = login(people.city_office)
    assert announce(office, task).status_code == 302
    announcement = Announcement.objects.get(task=task)
    # Only an office records objections (from the public or a unit); the province office records one here.
    _, notes = step(lambda: login(people.province_office).post(reverse("acceptance:object", args=[announcement.uuid]),
                                                               {"content": "河道北岸仍有垃圾", "contact": "13812345678"}))
    assert who(notes, "销号公示收到异议") == {"city_office"}  # not the office who recorded it, not other offices
    assert "13812345678" not in notes[0].body
    assert_mailed(notes, "销号公示收到异议")
    objection = Objection.objects.get()
    _, notes = step(lambda: office.post(reverse("acceptance:resolve", args=[objection.uuid]),
                                        {"resolution": "upheld", "note": "经核查属实", "version": fresh(task).version}))
    assert fresh(task).state == "reopened"
    assert who(notes, "重新整改") == {"lead_unit", "county_unit"}
    assert_mailed(notes, "重新整改")


# ---------------------------------------------------------------- supervision

def sv(name: str, obj: Any) -> str:
    return reverse(f"supervision:{name}", args=[obj.uuid])


def notice_of(task: Any) -> Any:
    from rectify.supervision.models import SupervisionNotice

    return SupervisionNotice.objects.get(task=task)


def test_supervision_steps_tell_whoever_acts_next(people: Any, login: Any, make_task: Any, step: Any) -> None:
    task = make_task()
    office, unit = login(people.city_office), login(people.county_unit)
    _, notes = step(lambda: office.post(sv("issue", task), {"units": [people.unit_county_env.pk], "kind": "ordinary",
                                                            "reason": "整改进度滞后，请加快推进"}))
    notice = notice_of(task)
    assert who(notes, f"督办单{notice.number}：请于") == {"county_unit"}  # not the lead unit: it was not chosen
    assert_mailed(notes, "请于")
    for name in ("arrange", "report"):
        _, notes = step(lambda name=name: unit.post(sv(name, notice), {"text": "已部署", "version": notice_of(task).version}))
        assert notes == []  # nobody has to act on these
    _, notes = step(lambda: unit.post(sv("done", notice), {"text": "已全部清理", "version": notice_of(task).version}))
    assert who(notes, "已报办结，请审核") == {"city_office"}
    assert_mailed(notes, "已报办结")
    _, notes = step(lambda: office.post(sv("send_back", notice), {"reason": "清理不彻底", "version": notice_of(task).version}))
    assert who(notes, "被退回重办") == {"county_unit"} and "清理不彻底" in notes[0].body
    assert_mailed(notes, "被退回重办")
    for name in ("arrange", "report", "done"):
        assert unit.post(sv(name, notice), {"text": "已整改", "version": notice_of(task).version}).status_code == 302
    _, notes = step(lambda: office.post(sv("close", notice), {"grade": "good", "note": "整改到位", "version": notice_of(task).version}))
    assert notice_of(task).status == "closed"
    assert who(notes, "已销号（良好）") == {"county_unit"}
    assert_mailed(notes, "已销号")


def test_extension_request_and_decision(people: Any, login: Any, make_task: Any, step: Any) -> None:
    from rectify.supervision.models import ExtensionRequest

    task = make_task()
    office, unit = login(people.city_office), login(people.county_unit)
    assert office.post(sv("issue", task), {"units": [people.unit_county_env.pk], "kind": "ordinary", "reason": "督办"}).status_code == 302
    notice = notice_of(task)
    later = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    _, notes = step(lambda: unit.post(sv("extension", notice), {"new_date": later, "reason": "汛期无法施工"}))
    assert who(notes, "申请延期至") == {"city_office"}
    assert_mailed(notes, "申请延期至")
    item = ExtensionRequest.objects.get()
    _, notes = step(lambda: office.post(sv("decide", item), {"decision": "refused", "note": "理由不充分"}))
    assert who(notes, "延期申请：不同意延期") == {"county_unit"}
    assert_mailed(notes, "延期申请")


def test_escalation_tells_the_office_and_the_one_above(people: Any, make_task: Any, step: Any) -> None:
    from rectify.supervision import jobs, services

    notice = services.issue_notice(make_task(), people.city_office, units=[people.unit_county_env], reason="督办",
                                   today=datetime.date(2026, 3, 2))
    _, notes = step(lambda: jobs.escalate_overdue_steps(today=datetime.date(2026, 3, 10)))
    assert who(notes, f"{notice.number}部署逾期，已升级督办") == {"city_office", "province_office"}
    assert_mailed(notes, "升级督办")


# ---------------------------------------------------------------- filing

def test_filing_and_its_acknowledgement(people: Any, login: Any, make_task: Any, step: Any) -> None:
    from rectify.acceptance.tests.test_look_back import close
    from rectify.accounts.models import RoleGrant, User

    county_office = User.objects.create_user(username="county_office", password=PASSWORD, email="county_office@example.gov.cn")
    RoleGrant.objects.create(user=county_office, role=Role.OFFICE, region=people.county)
    task = accepted(people, login, make_task)
    close(people, login, task)
    county = login(county_office)
    _, notes = step(lambda: county.post(reverse("acceptance:file_closure", args=[task.uuid]), {"note": "请予备案。"}))
    assert who(notes, "销号备案待确认") == {"city_office"}  # the level above, not the province, not the filer
    assert_mailed(notes, "销号备案待确认")
    _, notes = step(lambda: login(people.city_office).post(reverse("acceptance:acknowledge_filing", args=[task.uuid])))
    assert who(notes, "销号备案已确认") == {"county_office"}
    assert_mailed(notes, "销号备案已确认")


# ---------------------------------------------------------------- hand-offs made by the clock (no change row)

def test_announcement_period_end_tells_the_office_by_mail_too(people: Any, login: Any, make_task: Any, step: Any) -> None:
    """The period ending is a hand-off without a step: its job tells the office in the app and by e-mail."""
    from rectify.acceptance import jobs

    task = accepted(people, login, make_task)
    assert announce(login(people.city_office), task).status_code == 302
    ends_on = Announcement.objects.get(task=task).ends_on
    _, notes = step(lambda: jobs.announcement_periods_ended(today=ends_on + datetime.timedelta(days=1)))
    assert who(notes, "可以销号") == {"city_office"}
    assert_mailed(notes, "可以销号")


def test_look_back_due_tells_the_office_by_mail_too(people: Any, login: Any, make_task: Any, step: Any) -> None:
    from rectify.acceptance import jobs
    from rectify.acceptance.tests.test_look_back import close, schedule_one

    task = accepted(people, login, make_task)
    close(people, login, task)
    day = timezone.localdate() + datetime.timedelta(days=30)
    schedule_one(login(people.province_office), task, day)
    _, notes = step(lambda: jobs.lookbacks_due(today=day))
    assert who(notes, "回头看到期") == {"province_office", "city_office"}  # who scheduled it, and the task's office
    assert_mailed(notes, "回头看到期")


# ---------------------------------------------------------------- the table itself

def test_a_failing_handoff_never_undoes_the_step(people: Any, login: Any, make_task: Any, step: Any,
                                                  monkeypatch: Any) -> None:
    """A broken recipient lookup is logged; the application is still made."""
    from rectify.notifications import recipients

    def broken(region: Any) -> list[Any]:
        raise RuntimeError("lookup failed")

    monkeypatch.setattr(recipients, "reviewers_of", broken)
    task = make_task()
    response, notes = step(lambda: apply(login(people.county_unit), task))
    assert response.status_code == 302 and fresh(task).state == "applied" and notes == []


def test_every_row_has_a_test() -> None:
    assert {h.name for h in HANDOFFS} == COVERED
    assert len({h.name for h in HANDOFFS}) == len(HANDOFFS)
