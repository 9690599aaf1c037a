"""Shared pytest fixtures: users of every role, reference data, and task execution."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from incidesk.catalog import seed
from incidesk.sla import russia
from incidesk.sla import seed as sla_seed


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests flush tables between tests, seeded rows included: put them back."""
    seed.load(apps)
    russia.seed_calendars(apps, timezone.localdate())
    sla_seed.load(apps)


@pytest.fixture
def run_tasks(monkeypatch):
    """Run every task that is due now with the real worker. The worker drops connections that
    are not in autocommit mode, which is every connection inside a test's transaction: keep it."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    return run
