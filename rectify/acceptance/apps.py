from django.apps import AppConfig


class AcceptanceConfig(AppConfig):
    name = "rectify.acceptance"
    label = "acceptance"
    verbose_name = "验收销号"

    def ready(self) -> None:
        from rectify.core.copies import register

        from .models import ANNOUNCEMENT_LATEST, ANNOUNCEMENT_LATEST_PUBLISHED, ANNOUNCEMENT_TASK_STATE

        # kept by triggers; checked and repaired by `rectify manage check_counters` (and `audit verify`)
        register(ANNOUNCEMENT_LATEST)
        register(ANNOUNCEMENT_LATEST_PUBLISHED)
        register(ANNOUNCEMENT_TASK_STATE)
        from . import todo  # noqa: F401  (registers its 待我处理 lists with rectify.notifications.todo)
