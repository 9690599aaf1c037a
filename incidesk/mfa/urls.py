from django.urls import path

from incidesk.core.ratelimits import LOGIN_IP, limit_requests
from incidesk.mfa import passkey_views, views

app_name = "mfa"

# The scripts' endpoints are refused, like the code step, while the address is over its limit
# of failed sign-ins.
ceremony = limit_requests(LOGIN_IP, count=False)

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("passkeys/", passkey_views.passkey_list, name="passkeys"),
    path("passkeys/added/", passkey_views.passkey_added, name="passkey_added"),
    path("passkeys/<int:pk>/remove/", passkey_views.passkey_remove, name="passkey_remove"),
    path(
        "passkeys/register/begin/",
        ceremony(passkey_views.RegisterBegin.as_view()),
        name="passkey_register_begin",
    ),
    path(
        "passkeys/register/complete/",
        ceremony(passkey_views.RegisterComplete.as_view()),
        name="passkey_register_complete",
    ),
    path(
        "passkeys/sign/begin/",
        ceremony(passkey_views.AuthenticateBegin.as_view()),
        name="passkey_sign_begin",
    ),
    path(
        "passkeys/sign/complete/",
        ceremony(passkey_views.AuthenticateComplete.as_view()),
        name="passkey_sign_complete",
    ),
    path("passkeys/messages.js", passkey_views.translations, name="passkey_messages"),
]
