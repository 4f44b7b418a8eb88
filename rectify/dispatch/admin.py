"""Read-only admin: dispatch records change only through the services (history, versions)."""
from __future__ import annotations

from django.contrib import admin

from rectify.core.admin import ReadOnlyAdmin as ReadOnly

from .models import EvidenceFile, ProgressReport, Reminder, ReportingRound, Verification, VerificationSample


@admin.register(ReportingRound)
class ReportingRoundAdmin(ReadOnly):
    list_display = ["title", "region", "period_start", "period_end", "due_date", "status"]
    list_filter = ["status"]
    list_select_related = ["region"]
    search_fields = ["title"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnly):
    list_display = ["period", "unit", "task", "round", "schedule", "status", "submitted_at", "version"]
    list_filter = ["schedule", "status"]
    list_select_related = ["round", "unit", "task"]
    search_fields = ["unit__name", "text"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnly):
    list_display = ["original_name", "kind", "size", "report", "superseded_by"]
    list_select_related = ["report__round", "report__unit", "superseded_by"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnly):
    list_display = ["round", "kind", "sent_at", "recipients"]
    list_select_related = ["round"]


@admin.register(VerificationSample)
class VerificationSampleAdmin(ReadOnly):
    list_display = ["round", "quarter", "seed", "size", "population", "created_at"]
    list_select_related = ["round"]


@admin.register(Verification)
class VerificationAdmin(ReadOnly):
    list_display = ["round", "task", "result", "checker", "checked_at"]
    list_select_related = ["round", "task", "checker"]
