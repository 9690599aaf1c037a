from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "incidesk.catalog"
    label = "catalog"
