from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rectify.notifications"
    label = "notifications"
    verbose_name = "通知"
