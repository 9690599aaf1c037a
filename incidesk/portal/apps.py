from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "incidesk.portal"
    label = "portal"
