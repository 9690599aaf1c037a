from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "incidesk.accounts"
    label = "accounts"
