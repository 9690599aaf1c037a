from django.urls import path

from incidesk.macros import views

app_name = "macros"

urlpatterns = [
    path("", views.macro_list, name="list"),
    path("new/", views.macro_new, name="new"),
    path("<int:macro>/", views.macro_edit, name="edit"),
    path("<int:macro>/delete/", views.macro_delete, name="delete"),
    path("for/<str:number>/", views.picker, name="picker"),
    path("<int:macro>/preview/<str:number>/", views.preview, name="preview"),
    path("<int:macro>/apply/<str:number>/", views.apply, name="apply"),
]
