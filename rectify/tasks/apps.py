from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "rectify.tasks"
    label = "tasks"
    verbose_name = "整改任务台账"
