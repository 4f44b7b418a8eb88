from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

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


# django-otp's own admin pages show TOTP keys and recovery codes and change devices outside the login
# log: the second factor is managed on the account pages only (an administrator's reset: accounts:mfa_reset).
for otp_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(otp_model):
        admin.site.unregister(otp_model)
