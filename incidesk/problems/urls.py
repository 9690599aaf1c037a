from django.urls import path

from incidesk.problems import views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_new, name="new"),
    path("recurrence/", views.recurrence_report, name="recurrence"),
    path("known-errors/<str:incident>/", views.known_error_panel, name="known_errors"),
    path("<str:number>/", views.problem_detail, name="detail"),
    path("<str:number>/edit/", views.problem_edit, name="edit"),
    path("<str:number>/actions/<str:verb>/", views.problem_verb, name="verb"),
    path("<str:number>/incidents/", views.link_incidents, name="link"),
    path("<str:number>/incidents/<str:incident>/unlink/", views.unlink_incident, name="unlink"),
    path("<str:number>/preventive-actions/", views.add_preventive_action, name="add_action"),
    path(
        "<str:number>/preventive-actions/<int:action_id>/done/",
        views.preventive_action_done,
        name="action_done",
    ),
]
