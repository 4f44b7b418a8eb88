from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from rectify.api.urls import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tasks:ledger", permanent=False)),
    path("accounts/", include("rectify.accounts.urls")),
    path("ledger/", include("rectify.tasks.urls")),
    path("import/", include("rectify.imports.urls")),
    path("inspections/", include("rectify.inspections.urls")),
    path("", include("rectify.acceptance.urls")),
    path("dispatch/", include("rectify.dispatch.urls")),
    path("supervision/", include("rectify.supervision.urls")),
    path("jobs/", include("rectify.jobs.urls")),
    path("notifications/", include("rectify.notifications.urls")),
    path("lookup/", include("rectify.regions.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
