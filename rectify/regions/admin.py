from django.contrib import admin

from rectify.core.admin import HistoryAdmin
from rectify.core.writes import create_record, update_record

from .models import Region, Unit


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["code", "name", "short_name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Unit)
class UnitAdmin(HistoryAdmin):
    """Units keep a change history (``core.writes``): admin edits go through it too."""

    list_display = ["name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "region__name"]
    raw_id_fields = ["region", "parent"]
    create_with = create_record
    update_with = update_record
