"""The Django admin as Incidesk's: its name in the header, the window title and on the index page,
in the user's language. The favicon is linked by `templates/admin/base_site.html`."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Incidesk administration")
admin.site.site_title = _("Incidesk administration")
admin.site.index_title = _("Settings and data")
