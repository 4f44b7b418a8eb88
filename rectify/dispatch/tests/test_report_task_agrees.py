"""A progress report's task is its assignment's task (``REPORT_TASK``): the database refuses a write that breaks it,
on the report or on the assignment, and ``check_counters`` lists a row written before the rule, never repairing it."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from rectify.core import copies
from rectify.dispatch import services
from rectify.dispatch.models import REPORT_TASK, ProgressReport, ReportingRound
from rectify.tasks.models import Assignment

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def setting(world: Any, make_task: Any) -> dict[str, Any]:
    round_ = services.open_round(world.city_office, region=world.city, title="6月调度", period_start=datetime.date(2026, 6, 1),
                                 period_end=datetime.date(2026, 6, 30), due_date=datetime.date(2026, 7, 5))
    first, second = make_task(seq="1"), make_task(seq="2")
    assignment = first.assignments.get(unit=world.unit_county_env)
    report = services.submit_report(round_, assignment, world.county_unit, text="进展", schedule="on_schedule", percent=50)
    return {"round": round_, "first": first, "second": second, "assignment": assignment, "report": report}


def refused(write: Any) -> None:
    with pytest.raises(IntegrityError, match="进展报送的任务必须是其任务分工所属的任务"), transaction.atomic():
        write()


def test_a_report_of_another_task_than_its_assignment_s_is_refused(world: Any, setting: dict[str, Any]) -> None:
    round_: ReportingRound = setting["round"]
    before = ProgressReport.objects.count()
    fields = {"round": round_, "assignment": setting["assignment"], "unit": world.unit_county_env, "text": "补录",
              "schedule": "on_schedule", "period": datetime.date(2026, 5, 1)}
    refused(lambda: ProgressReport.objects.create(task=setting["second"], **fields))
    refused(lambda: ProgressReport.objects.bulk_create([ProgressReport(task=setting["second"], **fields)]))
    refused(lambda: ProgressReport.objects.filter(pk=setting["report"].pk).update(task=setting["second"]))
    other = setting["second"].assignments.get(unit=world.unit_county_env)
    refused(lambda: ProgressReport.objects.filter(pk=setting["report"].pk).update(assignment=other))
    assert ProgressReport.objects.count() == before
    ProgressReport.objects.create(task=setting["first"], **fields)  # its own task: written
    ProgressReport.objects.filter(pk=setting["report"].pk).update(task=setting["second"], assignment=other)  # both moved together
    assert ProgressReport.objects.get(pk=setting["report"].pk).task_id == setting["second"].pk


def test_an_assignment_with_reports_keeps_its_task(world: Any, setting: dict[str, Any], make_task: Any) -> None:
    assignment: Assignment = setting["assignment"]
    elsewhere = make_task(seq="3", region=world.county2, units={Assignment.Role.LEAD: [world.unit_other_env]})
    refused(lambda: Assignment.objects.filter(pk=assignment.pk).update(task=elsewhere))
    assert Assignment.objects.get(pk=assignment.pk).task_id == setting["first"].pk
    Assignment.objects.filter(pk=assignment.pk).update(state=assignment.state)  # other columns: written
    free = Assignment.objects.create(task=setting["first"], unit=world.unit_county2_gov, role=Assignment.Role.COOPERATING)
    Assignment.objects.filter(pk=free.pk).update(task=elsewhere)  # without reports it may still move
    assert Assignment.objects.get(pk=free.pk).task_id == elsewhere.pk


def test_check_counters_lists_a_row_written_before_the_rule_and_does_not_repair_it(world: Any, setting: dict[str, Any],
                                                                                   capsys: Any) -> None:
    report: ProgressReport = setting["report"]
    copies.uninstall(REPORT_TASK)
    try:
        ProgressReport.objects.filter(pk=report.pk).update(task=setting["second"])
    finally:
        copies.install(REPORT_TASK)
    wrong = [(report.pk, str(setting["second"].pk), str(setting["first"].pk))]
    assert copies.check_all()["report_task"] == wrong
    with pytest.raises(Exception, match="report_task"):
        call_command("check_counters", "--repair")
    assert copies.check_all()["report_task"] == wrong
    assert "report_task" in capsys.readouterr().err


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the error code is PostgreSQL's")
def test_the_refusal_is_a_check_violation(world: Any, setting: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        ProgressReport.objects.filter(pk=setting["report"].pk).update(task=setting["second"])
    assert getattr(error.value.__cause__, "sqlstate", None) == "23514"
