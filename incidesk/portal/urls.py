from django.urls import path

from incidesk.portal import stop, views

app_name = "portal"

VERB = "<str:verb>/"

urlpatterns = [
    path("portal/", views.home, name="home"),
    path("incidents/", views.incident_list, name="list"),
    path("incidents/new/", views.new_incident, name="new"),
    path("confirm/<str:token>/", views.confirm_report, name="confirm"),
    path("incidents/<str:number>/", views.incident_detail, name="incident"),
    path("incidents/<str:number>/submitted/", views.submitted, name="submitted"),
    path("incidents/<str:number>/files/<int:pk>/", views.attachment, name="file"),
    path("incidents/<str:number>/" + VERB, views.act, name="act"),
    path("track/<str:token>/", views.tracked_incident, name="track"),
    path("track/<str:token>/submitted/", views.tracked_submitted, name="track_submitted"),
    path("track/<str:token>/files/<int:pk>/", views.tracked_attachment, name="track_file"),
    path("track/<str:token>/" + VERB, views.tracked_act, name="track_act"),
    path("stop/<str:token>/", stop.stop_watching, name="stop_watching"),
]
