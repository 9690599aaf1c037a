from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from incidesk.api import api
from incidesk.core.availability import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("console/", include("incidesk.console.urls")),
    path("reports/", include("incidesk.analytics.urls")),
    path("problems/", include("incidesk.problems.urls")),
    path("recurring/", include("incidesk.recurring.urls")),
    path("", include("incidesk.portal.urls")),
    path("", include("incidesk.web.urls")),
]

handler500 = "incidesk.core.availability.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
