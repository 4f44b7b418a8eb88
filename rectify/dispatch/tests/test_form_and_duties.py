"""The report form's fixes (no preselected 序时进度, re-uploads add evidence) and separation of duties in dispatch."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import pdf_bytes, png_bytes
from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core.models import ChangeRecord
from rectify.dispatch.models import EvidenceFile, ProgressReport, ReportingRound, Verification, VerificationSample

pytestmark = pytest.mark.django_db
PASSWORD = "Rectify-test-2026"


def url(name: str, *objs: Any) -> str:
    return reverse(f"dispatch:{name}", args=[o.uuid for o in objs])


@pytest.fixture
def round_(world: Any, login: Any) -> ReportingRound:
    today = datetime.date.today()
    login(world.city_office).post(reverse("dispatch:round_create"), {
        "region": world.city.pk, "title": "本月调度", "period_start": today.replace(day=1).isoformat(),
        "period_end": today.isoformat(), "due_date": (today + datetime.timedelta(days=5)).isoformat()})
    return ReportingRound.objects.get()


def post_report(client: Any, round_: ReportingRound, assignment: Any, **data: Any) -> Any:
    report = ProgressReport.objects.filter(task=assignment.task, unit=assignment.unit).first()
    values = {"text": "已完成排查", "schedule": "on_schedule", "percent": "", "version": report.version if report else 0, **data}
    return client.post(url("report_form", round_, assignment), values)


def user_with(username: str, *grants: tuple[str, Any]) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, unit=grants[0][1] if grants else None)
    for role, unit in grants:
        RoleGrant.objects.create(user=user, role=role, unit=unit)
    return user


# ---------------------------------------------------------------- 序时进度 is a required choice with no default

def test_schedule_has_no_preselection(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task()
    assignment = task.assignments.get(unit=world.unit_county_env)
    unit = login(world.county_unit)
    page = unit.get(url("report_form", round_, assignment))
    form = page.context["form"]
    assert form["schedule"].value() in (None, "")
    html = str(form["schedule"])
    assert html.index('<option value="" selected>请选择序时进度</option>') < html.index("已完成")
    assert 'value="done" selected' not in html
    response = post_report(unit, round_, assignment, schedule="")
    assert response.status_code == 400 and "请选择序时进度" in response.content.decode()
    assert not ProgressReport.objects.exists()
    # Editing shows the unit's own earlier choice, not a default.
    assert post_report(unit, round_, assignment, schedule="lagging").status_code == 302
    again = unit.get(url("report_form", round_, assignment)).context["form"]
    assert again["schedule"].value() == "lagging"


# ---------------------------------------------------------------- re-uploads add evidence

def test_reupload_on_returned_report_adds_evidence(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task(units={"lead": [world.unit_city_env], "responsible": [world.unit_county_env]})
    assignment = task.assignments.get(unit=world.unit_county_env)
    unit, lead = login(world.county_unit), login(world.lead_unit)
    assert post_report(unit, round_, assignment, files=[SimpleUploadedFile("现场照片.png", png_bytes(), "image/png")]).status_code == 302
    report = ProgressReport.objects.get()
    lead.post(url("review", report), {"decision": "return", "note": "请补充验收报告", "version": report.version})
    assert ProgressReport.objects.get().status == "returned"
    assert post_report(unit, round_, assignment, text="已补充验收报告",
                       files=[SimpleUploadedFile("验收报告.pdf", pdf_bytes(), "application/pdf")]).status_code == 302
    files = list(EvidenceFile.objects.filter(report=report).order_by("id"))
    assert [f.original_name for f in files] == ["现场照片.png", "验收报告.pdf"]
    assert all(f.superseded_by is None for f in files)
    for page in (unit.get(url("report_form", round_, assignment)), lead.get(url("report", report))):
        body = page.content.decode()
        assert "现场照片.png" in body and "验收报告.pdf" in body
    listing = login(world.city_office).get(url("round_reports", round_))
    assert [r.file_count for r in listing.context["reports"]] == [2]


# ---------------------------------------------------------------- nobody reviews their own submission

def test_unit_that_is_lead_and_responsible_cannot_approve_its_own_report(world: Any, login: Any, make_task: Any,
                                                                         round_: ReportingRound) -> None:
    task = make_task(units={"lead": [world.unit_city_env], "responsible": [world.unit_city_env]})
    lead = login(world.lead_unit)
    assert post_report(lead, round_, task.assignments.get(role="responsible")).status_code == 302
    report = ProgressReport.objects.get()
    colleague = user_with("lead_colleague", (Role.LEAD_UNIT, world.unit_city_env))
    for user in (world.lead_unit, colleague):
        response = login(user).post(url("review", report), {"decision": "accept", "note": "", "version": report.version})
        assert response.status_code == 403, user
        assert "牵头单位自身的报送无需牵头单位审核" in response.content.decode()
        assert report not in login(user).get(reverse("dispatch:home")).context["reviews"]
    assert ProgressReport.objects.get().status == "submitted"


def test_reviewer_of_the_reporting_unit_or_the_submitter_is_refused(world: Any, login: Any, make_task: Any,
                                                                    round_: ReportingRound) -> None:
    task = make_task(units={"lead": [world.unit_city_env], "responsible": [world.unit_county_env]})
    assignment = task.assignments.get(unit=world.unit_county_env)
    # A user who speaks for the lead unit and for the reporting unit.
    both = user_with("both_units", (Role.LEAD_UNIT, world.unit_city_env), (Role.RESPONSIBLE_UNIT, world.unit_county_env))
    assert post_report(login(world.county_unit), round_, assignment).status_code == 302
    report = ProgressReport.objects.get()
    for decision in ("accept", "return"):
        response = login(both).post(url("review", report), {"decision": decision, "note": "理由", "version": report.version})
        assert response.status_code == 403 and "不能审核本单位的报送" in response.content.decode()
    # The submitter themself, through the lead unit they also hold.
    assert post_report(login(both), round_, assignment, text="由本人修改").status_code == 302
    report.refresh_from_db()
    response = login(both).post(url("review", report), {"decision": "accept", "note": "", "version": report.version})
    assert response.status_code == 403 and "不能审核本人提交的报送" in response.content.decode()
    assert ProgressReport.objects.get().status == "submitted"
    # Another user of the lead unit may.
    assert login(world.lead_unit).post(url("review", report), {"decision": "accept", "note": "",
                                                               "version": report.version}).status_code == 302
    assert ProgressReport.objects.get().status == "accepted"


def test_cooperating_unit_acts_on_its_own_assignment_only(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    task = make_task(units={"lead": [world.unit_city_env], "cooperating": [world.unit_county_gov],
                            "responsible": [world.unit_county_env]})
    cooperating = user_with("cooperating", (Role.RESPONSIBLE_UNIT, world.unit_county_gov))
    client = login(cooperating)
    assert post_report(client, round_, task.assignments.get(unit=world.unit_county_env)).status_code == 404
    assert post_report(login(world.county_unit), round_, task.assignments.get(unit=world.unit_county_env)).status_code == 302
    report = ProgressReport.objects.get()
    response = client.post(url("review", report), {"decision": "accept", "note": "", "version": report.version})
    assert response.status_code == 403 and "只有该任务的牵头单位" in response.content.decode()


def test_office_cannot_verify_a_task_of_its_own_unit(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    make_task(units={"responsible": [world.unit_city_office]})
    office = login(world.city_office)
    office.post(url("verification", round_), {"size": 1, "seed": 1})
    item = Verification.objects.get()
    response = office.post(url("finding", item), {"finding": "现场核查属实", "result": "substantiated"})
    assert response.status_code == 403 and "不能核查本单位（市整改办）承担的任务" in response.content.decode()
    assert Verification.objects.get().result == ""
    assert login(world.province_office).post(url("finding", item), {"finding": "现场核查属实",
                                                                     "result": "substantiated"}).status_code == 302
    assert Verification.objects.get().result == "substantiated"


def test_read_only_roles_never_write_in_dispatch(world: Any, login: Any, make_task: Any, round_: ReportingRound) -> None:
    from rectify.dispatch import urls

    task = make_task()
    assignment = task.assignments.get(unit=world.unit_county_env)
    post_report(login(world.county_unit), round_, assignment, files=[SimpleUploadedFile("现场照片.png", png_bytes(), "image/png")])
    report = ProgressReport.objects.get()
    login(world.city_office).post(url("verification", round_), {"size": 1, "seed": 1})
    records = {"round": round_, "report": report, "assignment": assignment, "task": task,
               "file": EvidenceFile.objects.first(), "verification": Verification.objects.get()}
    args = {"round_create": [], "home": [], "round": ["round"], "round_reports": ["round"], "remind": ["round"],
            "close": ["round"], "export": ["round"], "verification": ["round"], "report_form": ["round", "assignment"],
            "report": ["report"], "review": ["report"], "download": ["file"], "finding": ["verification"],
            "task_reports": ["task"]}
    writes = {"round_create", "remind", "close", "verification", "report_form", "review", "finding"}
    assert {p.name for p in urls.urlpatterns} == set(args), "a new dispatch route: say who may POST to it"
    before = (ChangeRecord.objects.count(), VerificationSample.objects.count(), ReportingRound.objects.count())
    for user in (world.leader, world.reviewer):
        client = login(user)
        for name, keys in args.items():
            address = reverse(f"dispatch:{name}", args=[records[k].uuid for k in keys])
            response = client.post(address, {"text": "x", "schedule": "done", "version": 1, "decision": "accept", "size": 1,
                                             "finding": "x", "result": "not", "region": world.city.pk, "title": "x",
                                             "period_start": "2026-12-01", "period_end": "2026-12-31", "due_date": "2026-12-31"})
            assert response.status_code < 500, (user, name)
            if name in writes:
                assert response.status_code in (403, 404, 405), (user, name, response.status_code)
    assert (ChangeRecord.objects.count(), VerificationSample.objects.count(), ReportingRound.objects.count()) == before
