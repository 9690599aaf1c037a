from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldsConfig(AppConfig):
    name = "incidesk.fields"
    label = "fields"
    verbose_name = _("Custom fields")

    def ready(self) -> None:
        from incidesk.fields import definitions  # noqa: F401  the signal handlers
