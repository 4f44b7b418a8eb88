from django.contrib import admin

from rectify.core.admin import ReadOnlyAdmin

from .models import ExtensionRequest, LightCheck, LightRule, SupervisionNotice, SupervisionRule


@admin.register(LightRule)
class LightRuleAdmin(admin.ModelAdmin[LightRule]):
    list_display = ["region", "yellow_days_before_deadline", "yellow_when_report_missing", "red_when_overdue", "escalate_after_yellows"]
    raw_id_fields = ["region"]


@admin.register(SupervisionRule)
class SupervisionRuleAdmin(admin.ModelAdmin[SupervisionRule]):
    list_display = ["region", "level", "arrange_days", "report_days", "ordinary_done_days", "major_done_days", "working_days"]
    raw_id_fields = ["region"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ReadOnlyAdmin):
    """Notices change only through their steps (``supervision.services``): version and history."""

    list_display = ["__str__", "task", "status", "arranged_by", "first_report_by", "done_by"]
    list_filter = ["status", "kind"]


admin.site.register(LightCheck, list_display=["task", "day", "colour", "yellow_streak"], raw_id_fields=["task"])
admin.site.register(ExtensionRequest, ReadOnlyAdmin, list_display=["notice", "step", "new_date", "decision"])
