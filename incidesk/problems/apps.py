from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "incidesk.problems"
    label = "problems"
