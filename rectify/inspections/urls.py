from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("new/", views.inspection_create, name="create"),
    path("<uuid:uuid>/", views.inspection_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.inspection_edit, name="edit"),
]
