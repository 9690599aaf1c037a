from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "incidesk.sso"
    label = "sso"
    verbose_name = _("Single sign-on (OpenID Connect)")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from incidesk.accounts.signals import user_deactivated
        from incidesk.sso.middleware import forget_grant, forget_grants

        user_logged_out.connect(forget_grant, dispatch_uid="sso-forget-grant")
        user_deactivated.connect(forget_grants, dispatch_uid="sso-forget-grants")
