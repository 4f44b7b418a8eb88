from django.urls import path

from . import lookup

app_name = "regions"

urlpatterns = [
    path("units/", lookup.units, name="lookup_units"),
    path("regions/", lookup.regions, name="lookup_regions"),
]
