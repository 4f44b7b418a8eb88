from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rectify.accounts"
    label = "accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from rectify.core.hooks import answer_permission

        from . import signals  # noqa: F401
        from .permissions import can

        # The list view in core asks the permission table without importing accounts (rectify.core.hooks).
        answer_permission(can)
