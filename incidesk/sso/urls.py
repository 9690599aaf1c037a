from django.urls import path

from incidesk.core.ratelimits import LOGIN_IP, limit_requests
from incidesk.sso import views

app_name = "sso"

urlpatterns = [
    path(
        "start/<slug:slug>/",
        limit_requests(LOGIN_IP, count=False)(views.StartView.as_view()),
        name="start",
    ),
    path("callback/", views.CallbackView.as_view(), name="callback"),
    path("backchannel-logout/<slug:slug>/", views.backchannel_logout, name="backchannel_logout"),
]
