from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "incidesk.console"
    label = "console"
    verbose_name = _("Agent console")

    def ready(self) -> None:
        from incidesk.console import choices  # noqa: F401  (connects the receivers)
