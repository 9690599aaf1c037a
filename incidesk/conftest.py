"""Shared pytest fixtures: users of every role, reference data, and task execution."""

import pytest
from django.apps import apps
from django.core.management import call_command

from incidesk.catalog import seed


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests flush tables between tests, seeded rows included: put them back."""
    seed.load(apps)


@pytest.fixture
def run_tasks():
    """Run every task that is due now, the way the worker would."""

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    return run
