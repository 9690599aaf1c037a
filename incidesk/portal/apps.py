from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "incidesk.portal"
    label = "portal"

    def ready(self) -> None:
        from incidesk.portal import signals  # noqa: F401  (connects the receivers)
