from django.contrib import admin
from django.urls import include, path

from incidesk.api import api
from incidesk.core.availability import health
from incidesk.core.ratelimits import LOGIN_IP, limit_requests

# No route for MEDIA_URL, not even under DEBUG: attachments leave only through the downloads
# that check access and send them as inert files (`incidents.files.attachment_response`).
urlpatterns = [
    path("health/", health, name="health"),
    # The admin's sign-in form checks passwords too: the same limit on failures per address.
    path(
        "admin/login/", limit_requests(LOGIN_IP, count=False)(admin.site.login), name="admin_login"
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("console/macros/", include("incidesk.macros.urls")),
    path("console/automation/", include("incidesk.automation.urls")),
    path("console/", include("incidesk.console.urls")),
    path("reports/", include("incidesk.analytics.urls")),
    path("problems/", include("incidesk.problems.urls")),
    path("recurring/", include("incidesk.recurring.urls")),
    path("kb/", include("incidesk.knowledge.urls")),
    path("knowledge/", include("incidesk.knowledge.desk_urls")),
    path("notifications/", include("incidesk.notifications.urls")),
    path("sso/", include("incidesk.sso.urls")),
    path("two-factor/", include("incidesk.mfa.urls")),
    path("", include("incidesk.portal.urls")),
    path("", include("incidesk.web.urls")),
]

handler500 = "incidesk.core.availability.server_error"
