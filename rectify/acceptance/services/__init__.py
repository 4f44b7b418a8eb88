"""Every acceptance and closure write: one transaction each (``rectify.core.actions``), task states only
through ``transition_task``. By concept: ``permissions`` (who may), ``queries`` (reading), ``evidence``
(uploaded files), ``applications`` (apply, review), ``announcements`` (announce, objections, close),
``look_backs``, ``filings`` and ``public`` (the public record).
"""
from __future__ import annotations

from .announcements import close_task, notice_title, public_body, record_objection, resolve_objection, start_announcement
from .applications import _copy_signature, apply_for_acceptance, review_application, signer_name
from .evidence import _delete_files, _save_evidence
from .filings import acknowledge_filing, file_closure
from .look_backs import record_look_back, schedule_look_backs
from .permissions import (
    APPLICANT_ROLES,
    APPLY_FROM,
    AcceptanceRefused,
    _require,
)
from .public import public_record, public_status, reopenings, rescrubbed
from .queries import (
    accepted_application,
    announcement_days,
    closure_history,
    current_announcement,
    filing_region,
    latest_closure,
    look_back_candidates,
    months_before,
    office_users,
    received_filings,
    unacknowledged_first,
)

__all__ = ["APPLICANT_ROLES", "APPLY_FROM", "AcceptanceRefused", "_copy_signature", "_delete_files", "_require", "_save_evidence", "accepted_application", "acknowledge_filing", "announcement_days", "apply_for_acceptance", "close_task", "closure_history", "current_announcement", "file_closure", "filing_region", "latest_closure", "look_back_candidates", "months_before", "notice_title", "office_users", "public_body", "public_record", "public_status", "received_filings", "record_look_back", "record_objection", "reopenings", "rescrubbed", "resolve_objection", "review_application", "schedule_look_backs", "signer_name", "start_announcement", "unacknowledged_first"]
