from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "rectify.inspections"
    label = "inspections"
    verbose_name = "督察与整改方案"
