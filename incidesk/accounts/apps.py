from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "incidesk.accounts"
    label = "accounts"

    def ready(self) -> None:
        from incidesk.accounts import signals  # noqa: F401  (connects the receivers)
