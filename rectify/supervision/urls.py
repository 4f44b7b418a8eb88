from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("mine/", views.my_notices, name="mine"),
    path("rules/", views.rules, name="rules"),
    path("tasks/<uuid:uuid>/issue/", views.issue, name="issue"),
    path("tasks/<uuid:uuid>/milestones/", views.milestones, name="milestones"),
    path("tasks/<uuid:uuid>/milestones/<int:pk>/", views.milestone, name="milestone"),
    path("<uuid:uuid>/", views.notice_detail, name="detail"),
    path("<uuid:uuid>/arrange/", views.arrange, name="arrange"),
    path("<uuid:uuid>/report/", views.report, name="report"),
    path("<uuid:uuid>/done/", views.done, name="done"),
    path("<uuid:uuid>/close/", views.close, name="close"),
    path("<uuid:uuid>/send-back/", views.send_back, name="send_back"),
    path("<uuid:uuid>/extension/", views.extension, name="extension"),
    path("extensions/<uuid:uuid>/decide/", views.decide, name="decide"),
]
