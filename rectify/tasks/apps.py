from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "rectify.tasks"
    label = "tasks"
    verbose_name = "整改任务台账"

    def ready(self) -> None:
        from rectify.core.counters import register
        from rectify.inspections.hooks import answer_visible_task_ids

        from .counters import ASSIGNMENT_COUNTS, TASK_COUNTS
        from .models import Task

        register(TASK_COUNTS)  # kept by triggers; checked and repaired by `rectify manage check_counters`
        register(ASSIGNMENT_COUNTS)
        # An inspection's page counts each plan's tasks the caller sees (rectify.inspections.hooks).
        answer_visible_task_ids(lambda user: Task.objects.visible_to(user).values("pk"))

        # The ledger's rows (jinja2/tasks/_ledger_rows.html): core's Jinja2 environment imports no app.
        from rectify.core.jinja import template_global

        from .ledger_rows import ledger_rows

        template_global("ledger_rows", ledger_rows)
