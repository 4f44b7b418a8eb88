from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rectify.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        """Hand-offs are driven by the change history: one receiver, one table (handoffs.py)."""
        from django.db.models.signals import post_save

        from rectify.core.models import ChangeRecord

        from .handoffs import on_change_recorded

        post_save.connect(on_change_recorded, sender=ChangeRecord, dispatch_uid="rectify.notifications.handoffs")
