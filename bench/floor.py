"""The floor: a bare Django project with one constant view, served by the same gunicorn
settings as Incidesk, so every ratio in `bench/run.py` is against the cost of Django and
gunicorn themselves on this machine, in the same run."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="floor-only",  # noqa: S106 (a local benchmark server with no data)
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
)
urlpatterns = [path("", constant)]
application = get_wsgi_application()
