from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "incidesk.notifications"
    label = "notifications"
