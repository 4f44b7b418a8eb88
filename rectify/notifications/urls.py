from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("todo/", views.todo, name="todo"),
    path("todo/panel/", views.todo_panel, name="todo_panel"),
    path("read-all/", views.read_all, name="read_all"),
    path("<uuid:uuid>/open/", views.open_notification, name="open"),
]
