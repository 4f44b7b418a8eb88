from django.urls import path

from . import calendar_views, views

app_name = "acceptance"

urlpatterns = [
    path("acceptance/tasks/<uuid:uuid>/", views.task_file, name="file"),
    path("acceptance/tasks/<uuid:uuid>/apply/", views.apply, name="apply"),
    path("acceptance/tasks/<uuid:uuid>/announce/", views.announce, name="announce"),
    path("acceptance/tasks/<uuid:uuid>/close/", views.close, name="close"),
    path("acceptance/tasks/<uuid:uuid>/notice.docx", views.notice, name="notice"),
    path("acceptance/tasks/<uuid:uuid>/dossier.zip", views.dossier, name="dossier"),
    path("acceptance/applications/<uuid:uuid>/review/", views.review, name="review"),
    path("acceptance/reviews/<uuid:uuid>/signature.img", views.review_signature, name="review_signature"),
    path("acceptance/announcements/<uuid:uuid>/objections/", views.object_, name="object"),
    path("acceptance/objections/<uuid:uuid>/resolve/", views.resolve, name="resolve"),
    path("acceptance/evidence/<uuid:uuid>/", views.evidence_download, name="evidence"),
    path("acceptance/tasks/<uuid:uuid>/look-back/", views.look_back_schedule_one, name="look_back_schedule_one"),
    path("acceptance/look-backs/", views.look_back_list, name="look_backs"),
    path("acceptance/look-backs/schedule/", views.look_back_schedule, name="look_back_schedule"),
    path("acceptance/look-backs/<uuid:uuid>/", views.look_back_detail, name="look_back"),
    path("acceptance/look-back-evidence/<uuid:uuid>/", views.look_back_evidence, name="look_back_evidence"),
    path("acceptance/tasks/<uuid:uuid>/filing/", views.file_closure, name="file_closure"),
    path("acceptance/tasks/<uuid:uuid>/filing/acknowledge/", views.acknowledge_filing, name="acknowledge_filing"),
    path("acceptance/filings/", views.filing_list, name="filings"),
    path("calendar/holidays/", calendar_views.holiday_calendar, name="holiday_calendar"),
    path("public/closures/", views.public_list, name="public_list"),
    path("public/closures/<uuid:uuid>/", views.public_detail, name="public_detail"),
]
