from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MfaConfig(AppConfig):
    name = "incidesk.mfa"
    label = "mfa"
    verbose_name = _("Two-factor sign-in")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from incidesk.mfa.middleware import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="mfa-remember-enrolment")
