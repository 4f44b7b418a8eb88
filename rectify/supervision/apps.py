from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "rectify.supervision"
    label = "supervision"

    def ready(self) -> None:
        from rectify.core.copies import register
        from rectify.tasks.hooks import on_show

        from .models import NOTICE_REGION_PATH

        register(NOTICE_REGION_PATH)  # kept by triggers; checked and repaired by `rectify manage check_counters`

        from .schedule import attach_lights

        on_show(attach_lights)  # the ledger's pages show each task's light (rectify.tasks.hooks)

        from . import todo  # noqa: F401  (registers its 待我处理 lists with rectify.notifications.todo)
