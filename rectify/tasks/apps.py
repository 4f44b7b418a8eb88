from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "rectify.tasks"
    label = "tasks"
    verbose_name = "整改任务台账"

    def ready(self) -> None:
        from rectify.core.counters import register

        from .counters import TASK_COUNTS

        register(TASK_COUNTS)  # kept by triggers; checked and repaired by `rectify manage check_counters`
