from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "rectify.jobs"
    label = "jobs"
