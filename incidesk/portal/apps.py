from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "incidesk.portal"
    label = "portal"
    verbose_name = _("Customer portal")

    def ready(self) -> None:
        from incidesk.portal import signals  # noqa: F401  (connects the receivers)
