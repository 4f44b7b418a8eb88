from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "rectify.dispatch"
    label = "dispatch"
