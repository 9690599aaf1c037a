from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "incidesk.web"
    label = "web"
