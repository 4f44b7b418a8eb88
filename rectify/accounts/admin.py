from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import RoleGrant, User


class RoleGrantInline(admin.TabularInline[RoleGrant, User]):
    model = RoleGrant
    extra = 0
    raw_id_fields = ["region", "unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    inlines = [RoleGrantInline]
    list_display = ["username", "get_full_name", "unit", "is_active"]
    raw_id_fields = ["unit"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("所属单位", {"fields": ("unit", "phone")}))  # type: ignore[misc]
