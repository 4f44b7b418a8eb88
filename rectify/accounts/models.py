from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from rectify.regions.models import Region, Unit

from .roles import Role, is_admin


def signature_image_path(instance: object, filename: str) -> str:
    """A random stored name: the uploader's file name never reaches the disk."""
    import uuid
    from pathlib import PurePosixPath

    return f"signatures/profile/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class User(AbstractUser):
    unit = models.ForeignKey(Unit, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, help_text="超过有效期后登录须先修改密码")
    signature_image = models.FileField("签名图片", upload_to=signature_image_path, max_length=200, blank=True,
                                       help_text="验收签字时附在验收意见和销号公示文书上（PNG 或 JPG）")
    session_epoch = models.PositiveIntegerField("会话代次", default=0, editable=False,
                                                help_text="每次强制退出加一：此前登录的会话全部失效")

    # No data scope: people: the account and admin pages decide who manages whom
    scope_exempt = "people: the account and admin pages decide who manages whom"

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's hash of the password that every session carries, with the session epoch once it has
        been raised: raising it (``end_sessions``) ends every session of the user on every app server,
        whatever the session engine, as a password change does (the epoch 0 leaves Django's own hash)."""
        stamp = self.password if not self.session_epoch else f"{self.password}\x00{self.session_epoch}"
        return salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", stamp,
                           secret=secret, algorithm="sha256").hexdigest()

    def end_sessions(self) -> None:
        """End every open session of the user (they sign in again); atomic with the caller's transaction."""
        User.objects.filter(pk=self.pk).update(session_epoch=F("session_epoch") + 1)
        self.refresh_from_db(fields=["session_epoch"])

    @property
    def requires_second_factor(self) -> bool:
        """Administrators must use TOTP; other users once they have enrolled a device (django-otp's)."""
        if is_admin(self):
            return True
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return bool(TOTPDevice.objects.filter(user=self, confirmed=True).exists())

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        return f"{self.last_name}{self.first_name}".strip()

    @cached_property
    def grants(self) -> list[RoleGrant]:
        """The user's grants with their regions and units: read on every page, kept per process until a grant,
        a region or a unit changes (``core.generations``)."""
        from rectify.core import generations

        return generations.cached_copies([RoleGrant, Region, Unit], ("grants", self.pk),
                                         lambda: list(self.role_grants.select_related("region", "unit__region")))

    def roles(self) -> set[str]:
        roles = {g.role for g in self.grants}
        if self.is_superuser:
            roles.add(Role.ADMIN)
        return roles

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles())]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    @property
    def is_editor(self) -> bool:
        """May create tasks, inspections, plans and units (``can(user, "ledger.edit")``; the API's ``me`` reports it)."""
        from .permissions import can

        return can(self, "ledger.edit")


class RoleGrant(models.Model):
    """A role held by a user, over a region subtree or for a unit (a user may hold several)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, verbose_name="管辖区划", null=True, blank=True, on_delete=models.PROTECT, help_text="整改办、验收人员、领导的数据范围")
    unit = models.ForeignKey(Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, help_text="牵头单位、责任单位的数据范围")

    # No data scope: a user's grants are the scope itself, managed by administrators
    scope_exempt = "a user's grants are the scope itself, managed by administrators"

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "region", "unit"], name="role_grant_unique")]

    def __str__(self) -> str:
        where = self.region or self.unit or "全部"
        return f"{self.get_role_display()}（{where}）"


class LoginEvent(models.Model):
    """Every login, failed login, second-factor check and logout (kept for audit, shown to admins)."""

    class Kind(models.TextChoices):
        LOGIN = "login", "登录成功"
        FAILURE = "failure", "密码错误"
        LOCKED = "locked", "锁定期内尝试"
        MFA_OK = "mfa_ok", "动态口令验证成功"
        MFA_FAILURE = "mfa_failure", "动态口令错误"
        RECOVERY_CODE = "recovery_code", "使用恢复码登录"
        RECOVERY_CODES_NEW = "recovery_codes_new", "重新生成恢复码"
        MFA_RESET = "mfa_reset", "动态口令被管理员重置"
        LOGOUT = "logout", "退出"
        TIMEOUT = "timeout", "超时退出"
        PASSWORD_CHANGED = "password_changed", "修改密码"

    user = models.ForeignKey(User, verbose_name="用户", null=True, blank=True, on_delete=models.SET_NULL, related_name="login_events")
    username = models.CharField("用户名", max_length=150, db_index=True, help_text="尝试登录时填写的用户名")
    kind = models.CharField("事件", max_length=20, choices=Kind.choices)
    success = models.BooleanField("成功", default=False)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=300, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    # No data scope: sign-in log, read by administrators and its owner
    scope_exempt = "sign-in log, read by administrators and its owner"

    class Meta:
        verbose_name = "登录日志"
        verbose_name_plural = "登录日志"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["ip", "at"]),
                   # The log's order, newest first: a page is its entries read backwards.
                   models.Index(fields=["at", "id"], name="loginevent_at_order")]

    def __str__(self) -> str:
        return f"{self.username} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class PersonalDataAccess(models.Model):
    """Who looked at or exported personal data (contacts, petitioners, ID numbers), what and when."""

    user = models.ForeignKey(User, verbose_name="用户", null=True, on_delete=models.SET_NULL, related_name="personal_data_accesses")
    what = models.CharField("内容", max_length=200)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=300, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    path = models.CharField("请求地址", max_length=500, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    # No data scope: privacy log, read by administrators
    scope_exempt = "privacy log, read by administrators"

    class Meta:
        verbose_name = "个人信息访问记录"
        verbose_name_plural = "个人信息访问记录"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at", "id"], name="dataaccess_at_order")]  # the log's order, newest first

    def __str__(self) -> str:
        return f"{self.user} {self.what} {self.at:%Y-%m-%d %H:%M}"
