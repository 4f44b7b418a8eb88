from django.contrib import admin

from .models import Inspection, Plan


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["team", "level", "round", "target_region", "feedback_date"]
    list_filter = ["level"]
    raw_id_fields = ["target_region"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "kind", "inspection"]
    raw_id_fields = ["region", "inspection"]
