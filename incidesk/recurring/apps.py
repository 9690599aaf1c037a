from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecurringConfig(AppConfig):
    name = "incidesk.recurring"
    label = "recurring"
    verbose_name = _("Recurring incidents")
