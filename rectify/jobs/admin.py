from django.contrib import admin

from .models import Job, PeriodicRun


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["name", "status", "attempts", "run_after", "finished_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["uuid", "locked_by", "locked_at", "created_at", "finished_at", "result", "last_error"]


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin[PeriodicRun]):
    list_display = ["name", "last_run_at"]
