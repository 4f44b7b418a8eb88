"""Names shared by the supervision services."""
from __future__ import annotations

from ..models import SupervisionNotice

Status = SupervisionNotice.Status
Step = SupervisionNotice.Step
Grade = SupervisionNotice.Grade
OPEN_STATUSES = [Status.ISSUED, Status.ARRANGED, Status.REPORTED, Status.ESCALATED]
PASSING_GRADES = [Grade.EXCELLENT, Grade.GOOD, Grade.PASS]
DUE_FIELD: dict[str, str] = {Step.ARRANGE: "arranged_by", Step.REPORT: "first_report_by", Step.DONE: "done_by"}
STEP_STATUS: dict[str, str] = {Step.ARRANGE: Status.ISSUED, Step.REPORT: Status.ARRANGED, Step.DONE: Status.REPORTED}
