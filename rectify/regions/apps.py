from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "rectify.regions"
    label = "regions"
    verbose_name = "行政区划与单位"
