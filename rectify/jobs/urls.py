from django.urls import path

from . import health, views, views_exports

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("run/<str:name>/", views.run_periodic, name="run"),
    path("health/", health.health, name="health"),
    path("exports/", views_exports.export_list, name="exports"),
    path("exports/<uuid:uuid>/", views_exports.export_detail, name="export"),
    path("exports/<uuid:uuid>/status.json", views_exports.export_status, name="export_status"),
    path("exports/<uuid:uuid>/download/", views_exports.export_download, name="export_download"),
]
