from django.urls import path

from incidesk.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charts/<slug:name>.svg", views.chart, name="chart"),
]
