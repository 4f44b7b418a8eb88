from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rectify.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        """Hand-offs are driven by the change history: one receiver, one table (handoffs.py); the chrome's
        unread count is a Jinja2 global."""
        from django.db.models.signals import post_save

        from rectify.core.counters import register
        from rectify.core.models import ChangeRecord

        from .counters import NOTIFICATION_COUNTS
        from .handoffs import on_change_recorded

        register(NOTIFICATION_COUNTS)  # kept by triggers; checked and repaired by `rectify manage check_counters`

        post_save.connect(on_change_recorded, sender=ChangeRecord, dispatch_uid="rectify.notifications.handoffs")

        # The top bar's badge (core/jinja2/chrome/topbar.html): core's Jinja2 environment imports no app.
        from rectify.core.jinja import template_global

        from .templatetags.notifications_tags import unread_of

        template_global("unread_count", unread_of)
