from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "rectify.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from .registry import autodiscover

        autodiscover()
