from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo dataset (`rectify demo`), built through every app's services."""

    name = "rectify.demo"
    label = "demo"
    verbose_name = "演示数据"
