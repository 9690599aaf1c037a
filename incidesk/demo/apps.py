from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "incidesk.demo"
    label = "demo"
