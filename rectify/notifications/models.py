"""A message for one user: shown on /notifications/, optionally also e-mailed."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils import timezone

from rectify.core.models import CounterRow


class Notification(models.Model):
    uuid = models.UUIDField("编号", default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    # No data scope: a notification is read only by its recipient
    scope_exempt = "a notification is read only by its recipient"

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
            # The list's order (unread first, newest first): a page is its entries of the index, not a sort of
            # every notification the user ever had. With ``read_at`` carried along, a page's keys are read from the
            # index alone (450,000 notifications, page 2,000: 73 ms → 13).
            models.Index(F("recipient"), ExpressionWrapper(Q(read_at__isnull=True), output_field=models.BooleanField()).desc(),
                         F("created_at").desc(), F("id").desc(), name="notification_inbox_order", include=["read_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationCount(CounterRow):
    """How many notifications a user has, read or unread: kept by database triggers (``rectify.notifications.counters``),
    read by the top bar's badge and the list's total instead of counting the user's notifications."""

    recipient_id = models.BigIntegerField()  # no foreign key: the deletion of a user's notifications moves its counts
    unread = models.BooleanField()

    # Maintained counters: no person reads a row directly; the badge and the list read the signed-in user's own.
    scope_exempt = "counts of a user's own notifications; read only for the signed-in user (rectify.notifications.services)"

    class Meta:
        verbose_name = "通知计数"
        verbose_name_plural = "通知计数"
        constraints = [models.UniqueConstraint(fields=["recipient_id", "unread", "shard"], name="notificationcount_key_shard")]
