from django.urls import path

from . import views, views_excel

app_name = "tasks"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("counts/", views.ledger_counts, name="counts"),
    path("new/", views.task_create, name="create"),
    path("filters/save/", views.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", views.delete_filter, name="delete_filter"),
    path("export.xlsx", views_excel.export_ledger, name="export"),
    path("template.xlsx", views_excel.download_template, name="template"),
    path("import/", views_excel.import_ledger, name="import"),
    path("<uuid:uuid>/", views.task_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.task_edit, name="edit"),
    path("<uuid:uuid>/decompose/", views.task_decompose, name="decompose"),
    path("<uuid:uuid>/start/", views.task_start, name="start"),
]
