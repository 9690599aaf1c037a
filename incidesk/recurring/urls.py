from django.urls import path

from incidesk.recurring import views

app_name = "recurring"

urlpatterns = [
    path("", views.groups, name="groups"),
    path("problems/new/", views.create_problem, name="create_problem"),
    path("problems/link/", views.link_problem, name="link_problem"),
    path("suggest/", views.suggest, name="suggest"),
    path("known-errors/<str:number>/mine-too/", views.same_problem, name="same_problem"),
    path("duplicate/", views.mark_duplicate, name="duplicate"),
    path("major/", views.link_major, name="link_major"),
]
