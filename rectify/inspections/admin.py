from django.contrib import admin

from rectify.core.admin import HistoryAdmin
from rectify.core.writes import create_record, update_record

from .models import Inspection, Plan


@admin.register(Inspection)
class InspectionAdmin(HistoryAdmin):
    list_display = ["team", "level", "round", "target_region", "feedback_date"]
    list_filter = ["level"]
    raw_id_fields = ["target_region"]
    create_with = create_record
    update_with = update_record


@admin.register(Plan)
class PlanAdmin(HistoryAdmin):
    list_display = ["title", "region", "kind", "inspection"]
    raw_id_fields = ["region", "inspection"]
    create_with = create_record
    update_with = update_record
