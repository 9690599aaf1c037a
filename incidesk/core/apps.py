from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.signals import user_login_failed
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _
from django_tasks_db.compat import TaskResultStatus

from incidesk.core.wakeup import announce


def refresh_sqlite_statistics(using: str, **_kwargs: Any) -> None:
    """SQLite rebuilds a table to alter it, losing the planner's statistics for it; without
    them it may scan a million incidents where an index would do. A full ANALYZE of a
    million-incident desk takes about five seconds (sampled statistics misled the planner).
    PostgreSQL's autovacuum keeps its own."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def announce_task(sender: type, instance: Any, using: str, **_kwargs: Any) -> None:
    """A task row saved READY (django-tasks-db's `enqueue`) wakes SQLite's idle workers after
    the commit (`core.wakeup`; PostgreSQL's trigger does it there)."""
    if instance.status == TaskResultStatus.READY:
        announce([instance.run_after], using)


class CoreConfig(AppConfig):
    name = "incidesk.core"
    label = "core"
    verbose_name = _("System")

    def ready(self) -> None:
        from incidesk.core import checks  # noqa: F401 (registers core.W001)
        from incidesk.core.generations import bump_all, close_request_scope, open_request_scope
        from incidesk.core.ratelimits import count_failed_sign_in

        # post_migrate is sent once per app with models after every migration has run; listen
        # for the app of the largest tables.
        post_migrate.connect(refresh_sqlite_statistics, sender=apps.get_app_config("incidents"))
        post_migrate.connect(bump_all, sender=self)
        post_save.connect(
            announce_task,
            sender=apps.get_model("django_tasks_database", "DBTaskResult"),
            dispatch_uid="incidesk-task-wakeup",
        )
        user_login_failed.connect(count_failed_sign_in, dispatch_uid="incidesk-login-ip")
        request_started.connect(open_request_scope, dispatch_uid="incidesk-generations-open")
        request_finished.connect(close_request_scope, dispatch_uid="incidesk-generations-close")
