"""Bearer tokens for programs that call the API (a report script, another office's system).

Only the SHA-256 of a key is stored; the key itself is shown once, when it is created.
"""
from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from rectify.core.models import PublicModel
from rectify.core.types import AuthedUser

KEY_PREFIX = "rct_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, now: datetime.datetime | None = None) -> ApiTokenQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(PublicModel):
    class Scope(models.TextChoices):
        READ = "read", "只读"
        WRITE = "write", "读写"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=100, help_text="用途，例如“月报脚本”")
    key_prefix = models.CharField("令牌前缀", max_length=12, help_text="令牌开头几位，便于辨认；不足以使用令牌")
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    scope = models.CharField("权限", max_length=8, choices=Scope.choices, default=Scope.WRITE)
    expires_at = models.DateTimeField("过期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    # No data scope: a token is read only by its owner and administrators
    scope_exempt = "a token is read only by its owner and administrators"

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "已吊销"
        if self.expires_at <= timezone.now():
            return "已过期"
        return "有效"

    @classmethod
    def issue(cls, user: AuthedUser, name: str, *, days: int = 90, read_only: bool = False) -> tuple[ApiToken, str]:
        """Create a token; returns it and the raw key, which is not stored anywhere."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            key_prefix=key[:10],
            key_hash=hash_key(key),
            scope=cls.Scope.READ if read_only else cls.Scope.WRITE,
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        return token, key
