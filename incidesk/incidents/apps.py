from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidesk.incidents"
    label = "incidents"
