from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<uuid:uuid>/", views.round_detail, name="round"),
    path("rounds/<uuid:uuid>/reports/", views.round_reports, name="round_reports"),
    path("rounds/<uuid:uuid>/remind/", views.remind, name="remind"),
    path("rounds/<uuid:uuid>/close/", views.close, name="close"),
    path("rounds/<uuid:uuid>/export.xlsx", views.export, name="export"),
    path("rounds/<uuid:uuid>/verification/", views.verification, name="verification"),
    path("rounds/<uuid:uuid>/assignments/<uuid:assignment>/report/", views.report_form, name="report_form"),
    path("reports/<uuid:uuid>/", views.report_detail, name="report"),
    path("reports/<uuid:uuid>/review/", views.review, name="review"),
    path("files/<uuid:uuid>/", views.download, name="download"),
    path("verifications/<uuid:uuid>/", views.finding, name="finding"),
    path("tasks/<uuid:uuid>/", views.task_reports, name="task_reports"),
]
