from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "rectify.dispatch"
    label = "dispatch"
    verbose_name = "调度"
    # The periodic checks in jobs.py are registered by the jobs app's autodiscover().
