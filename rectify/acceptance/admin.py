from django.contrib import admin

from .models import AnnouncementRule


@admin.register(AnnouncementRule)
class AnnouncementRuleAdmin(admin.ModelAdmin[AnnouncementRule]):
    list_display = ["region", "working_days"]
    search_fields = ["region__name", "region__code"]
    raw_id_fields = ["region"]
