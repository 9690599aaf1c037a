from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "incidesk.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
