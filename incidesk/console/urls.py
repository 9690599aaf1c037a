from django.urls import path

from incidesk.console import intake, overview, views

app_name = "console"

urlpatterns = [
    path("", views.queue_list, name="queues"),
    path("rows/", views.queue_rows, name="queue_rows"),
    path("views/", views.save_view, name="save_view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete_view"),
    path("bulk/", views.bulk, name="bulk"),
    path("lead/", overview.lead, name="lead"),
    path("new/", intake.register, name="register"),
    path("customers/", intake.customers, name="customers"),
    path("incidents/<str:number>/", views.incident_detail, name="incident"),
    path("incidents/<str:number>/comment/", views.incident_comment, name="comment"),
    path("incidents/<str:number>/<str:verb>/", views.incident_action, name="act"),
]
