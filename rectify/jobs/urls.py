from django.urls import path

from . import health, views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("run/<str:name>/", views.run_periodic, name="run"),
    path("health/", health.health, name="health"),
]
