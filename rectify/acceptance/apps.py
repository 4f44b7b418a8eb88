from django.apps import AppConfig


class AcceptanceConfig(AppConfig):
    name = "rectify.acceptance"
    label = "acceptance"
    verbose_name = "验收销号"

    def ready(self) -> None:
        from . import todo  # noqa: F401  (registers its 待我处理 lists with rectify.notifications.todo)
