"""Every supervision write: one transaction each (``rectify.core.actions``), one history row per changed record.

Views parse and check scope; these functions check the role again, decide and write. By concept:
``permissions`` (who may), ``limits`` (time limits), ``recipients`` (who is told), ``notices``
(the steps), ``escalation`` (overdue notices), ``rules`` (an office's settings).
"""
from __future__ import annotations

from .constants import DUE_FIELD, OPEN_STATUSES, PASSING_GRADES, STEP_STATUS, Grade, Status, Step
from .escalation import escalate_overdue, late_q, late_step_q
from .limits import Limits, add_days, approved_dates, due_dates, limits_for, restarted_due_dates
from .notices import STEP_FIELDS, close_notice, complete_step, decide_extension, issue_notice, request_extension, send_back
from .permissions import SupervisionRefused, can_act_as_unit, can_issue, can_review, review_refusal, visible_notices
from .recipients import default_units, issuing_region, notice_url, office_users, unit_users
from .rules import save_rule

__all__ = [
    "DUE_FIELD", "OPEN_STATUSES", "PASSING_GRADES", "STEP_FIELDS", "STEP_STATUS", "Grade", "Limits", "Status", "Step",
    "SupervisionRefused", "add_days", "approved_dates", "can_act_as_unit", "can_issue", "can_review", "close_notice",
    "complete_step", "decide_extension", "default_units", "due_dates", "escalate_overdue", "issue_notice", "issuing_region",
    "late_q", "late_step_q", "limits_for", "notice_url", "office_users", "request_extension", "restarted_due_dates",
    "review_refusal", "save_rule", "send_back", "unit_users", "visible_notices",
]
