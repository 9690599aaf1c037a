from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from incidesk.core.ratelimits import LOGIN_IP, RESET_EMAIL, RESET_IP, limit_requests
from incidesk.sso.views import SignOutView
from incidesk.web import views
from incidesk.web.forms import ResetPasswordForm

app_name = "web"

_reset_done = reverse_lazy("web:password_reset_done")

urlpatterns = [
    path("", views.home, name="home"),
    # Failed sign-ins are counted wherever a password is checked (core.ratelimits).
    path(
        "login/",
        limit_requests(LOGIN_IP, count=False)(views.SignInView.as_view()),
        name="login",
    ),
    # Ends the desk's session, and offers the OpenID provider's sign-out to who came from one.
    path("logout/", SignOutView.as_view(), name="logout"),
    path("language/", views.set_language, name="language"),
    path("settings/", views.preferences, name="preferences"),
    path(
        "password-reset/",
        limit_requests(RESET_IP, RESET_EMAIL)(
            auth_views.PasswordResetView.as_view(
                form_class=ResetPasswordForm,
                success_url=_reset_done,
                template_name="web/password_reset_form.html",
                email_template_name="web/password_reset_email.txt",
                subject_template_name="web/password_reset_subject.txt",
            )
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="web/password_reset_confirm.html",
            success_url=reverse_lazy("web:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
