from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "incidesk.sla"
    label = "sla"

    def ready(self) -> None:
        # calendar: the signal handlers that keep cached schedules fresh; checks: sla.W001.
        from incidesk.sla import calendar, checks  # noqa: F401
