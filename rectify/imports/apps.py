from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "rectify.imports"
    label = "imports"
    verbose_name = "文档导入"
