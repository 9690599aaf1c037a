"""Shared pytest fixtures: users of every role, reference data, and task execution."""

import os
import sys
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.testcases import LiveServerThread
from django.utils import timezone, translation
from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

from incidesk.catalog import seed
from incidesk.core.tests import migrated, pgflush, pgtemplate
from incidesk.sla import russia
from incidesk.sla import seed as sla_seed
from incidesk.web.tests.live_server import TURNS, OneRequestAtATime

# Compiled bytecode is cached in `__pycache__` even where the environment says not to
# (PYTHONDONTWRITEBYTECODE=1, common in containers): without it every xdist worker compiles
# the project and rewrites the test modules' asserts again (about 6 s of CPU each), and every
# process a test starts (`serve`, `migrate`, workers) compiles the modules it imports (0.2-0.3 s).
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-query-counts",
        action="store_true",
        help="write the query counts measured into incidesk/core/tests/query_counts.json",
    )


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A request in English leaves English active in this thread: start every test in the
    # default language, whatever ran before it in this worker.
    translation.activate(settings.LANGUAGE_CODE)


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
        with TURNS.held():  # a page the test keeps open may be polling the same connection
            call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    return run


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory) -> Path:
    """A folder of this run that every xdist worker sees (the parent of their own)."""
    shared = tmp_path_factory.getbasetemp()
    return shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared


@pytest.fixture(scope="session")
def migrated_sqlite(run_folder) -> Path:
    """A SQLite desk migrated once for the whole run, xdist's workers included."""
    return migrated.template(run_folder)


# Named after the test database (read before pytest-django gives each xdist worker its own).
_TEST_DATABASE = (
    connection.settings_dict["TEST"]["NAME"] or f"test_{connection.settings_dict['NAME']}"
)
PROCESS_DESK = f"{_TEST_DATABASE}_desk"


@pytest.fixture(scope="session")
def migrated_postgres(run_folder) -> migrated.PostgresTemplate:
    """A PostgreSQL desk migrated once for the whole run, for the processes tests start on
    PostgreSQL: `.copy()` makes each its own database in a fraction of a second."""
    params = connection.settings_dict
    server = f"postgres://{params['USER'] or 'postgres'}@{params['HOST'] or '127.0.0.1'}"
    server += f":{params['PORT'] or 5432}"
    return migrated.postgres_template(run_folder, server, PROCESS_DESK)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or the only process) drops the run's PostgreSQL desk and its copies once
    every worker is done with them. Its base temporary folder is `run_folder`: xdist makes each
    worker's inside it."""
    if not os.environ.get("PYTEST_XDIST_WORKER") and connection.vendor == "postgresql":
        # `tmp_path_factory`'s object: fixtures are not at hand in a hook.
        factory = session.config._tmp_path_factory  # type: ignore[attr-defined]
        migrated.drop_postgres_template(factory.getbasetemp())


@pytest.fixture(scope="session", autouse=True)
def _cheap_flush():
    """Transactional tests' flush on PostgreSQL by DELETE (`core/tests/pgflush.py`)."""
    if connection.vendor != "postgresql":
        yield
        return
    with pgflush.deleting():
        yield


if os.environ.get("PYTEST_XDIST_WORKER") and connection.vendor == "postgresql":

    @pytest.fixture(scope="session")
    def django_db_setup(
        request,
        django_test_environment,
        django_db_blocker,
        django_db_use_migrations,
        django_db_keepdb,
        django_db_createdb,
        run_folder,
    ):
        """pytest-django's, but the workers copy one test database migrated once for the run
        instead of each migrating its own (`core/tests/pgtemplate.py`)."""
        if not django_db_use_migrations:
            _disable_migrations()
        aliases, serialized = _get_databases_for_setup(request.session.items)
        with django_db_blocker.unblock():
            made = pgtemplate.setup(
                run_folder,
                os.environ["PYTEST_XDIST_WORKER"],
                aliases,
                serialized,
                reuse=django_db_keepdb and not django_db_createdb,
                verbosity=request.config.option.verbose,
            )
        yield
        with django_db_blocker.unblock():
            pgtemplate.teardown(run_folder, made, keep=django_db_keepdb)


@pytest.fixture
def migrated_data_dir(migrated_sqlite, tmp_path) -> Path:
    """A data folder holding a migrated SQLite desk of this test's own, for the processes
    the test starts (`INCIDESK_DATA_DIR`)."""
    return migrated.copy_into(migrated_sqlite, tmp_path)


@pytest.fixture
def rate_limit_window(db):
    """A clock standing still: a window ending mid-test would start its count again. (The
    counters are rows, so no other test's count is left: `db` rolls them back.)"""
    with time_machine.travel("2026-03-02 10:00:00+03:00", tick=False):
        yield


# --- browser tests (Playwright + Debian's chromium) -------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from incidesk.web.tests.browser import CHROMIUM, CHROMIUM_ARGS, chromium_missing

    if chromium_missing():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    # Playwright's sync API keeps an event loop running in the test thread from here on, which
    # makes Django refuse ORM calls there (test bodies, database teardown) unless told that
    # this thread is not async code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    from playwright.sync_api import expect

    # Playwright's 5 s default is short for a form that writes several incidents while the
    # other test worker loads the same two cores in CI.
    expect.set_options(timeout=15_000)
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@pytest.fixture(scope="session")
def live_server(_one_request_at_a_time, live_server):
    """pytest-django's live server, its requests taking turns (`web.tests.live_server`)."""
    return live_server


@pytest.fixture(scope="session")
def _one_request_at_a_time():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", OneRequestAtATime)
        yield


@pytest.fixture
def live_turns(transactional_db, live_server):
    """The live server over this test's database. After the test, once its browser contexts
    are closed, the server finishes the request in progress and turns away any later one
    until the next test: no request left queued by a page meets the database's flush."""
    TURNS.accepting = True
    yield live_server
    TURNS.stop_accepting()


@pytest.fixture
def new_context(live_turns, browser, browser_context_args):
    """pytest-playwright's `new_context` (behind `context` and `page`), closing every context
    the test opened before the live server stops taking requests. Unlike the plugin's, an
    option given here (another locale for a second person) replaces the default."""
    contexts = []

    def new(**options):
        context = browser.new_context(**{**browser_context_args, **options})
        contexts.append(context)
        return context

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def desk(live_turns, reference_data):
    """A live server over the real database for a browser test."""
    return live_turns
