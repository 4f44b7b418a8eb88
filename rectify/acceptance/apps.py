from django.apps import AppConfig


class AcceptanceConfig(AppConfig):
    name = "rectify.acceptance"
    label = "acceptance"
    verbose_name = "验收销号"
