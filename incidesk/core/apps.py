from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "incidesk.core"
    label = "core"
