from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rectify.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        """Hand-offs are driven by the change history: one receiver, one table (handoffs.py); the chrome's
        unread count is a Jinja2 global."""
        from django.db.models.signals import post_save

        from rectify.core.models import ChangeRecord

        from .handoffs import on_change_recorded

        post_save.connect(on_change_recorded, sender=ChangeRecord, dispatch_uid="rectify.notifications.handoffs")

        # The top bar's badge (core/jinja2/chrome/topbar.html): core's Jinja2 environment imports no app.
        from rectify.core.jinja import template_global

        from .templatetags.notifications_tags import unread_of

        template_global("unread_count", unread_of)
