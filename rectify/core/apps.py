from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rectify.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        # django.contrib.admin comes first in INSTALLED_APPS: every ModelAdmin is registered by now.
        from django.contrib import admin

        from . import lookups  # noqa: F401  (registers the ``under`` and ``in_array`` lookups)
        from .admin_choices import use_id_choices

        use_id_choices(admin.site)
