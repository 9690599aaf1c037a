from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "incidesk.sla"
    label = "sla"
    verbose_name = _("Service levels (SLA)")

    def ready(self) -> None:
        # calendar, reference: the signal handlers that keep cached schedules and reference data
        # fresh; checks: sla.W001.
        from incidesk.sla import calendar, checks, reference  # noqa: F401
