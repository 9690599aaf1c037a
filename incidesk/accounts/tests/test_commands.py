import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from incidesk.accounts.models import ApiToken, Organisation, Role, Team, User, hash_token
from incidesk.accounts.tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_createuser_makes_an_agent_in_a_new_team():
    out, _ = run(
        *("createuser", "--email", "Agent@Example.com", "--role", "agent"),
        *("--name", "Иван Петров", "--team", "Первая линия", "--password", "secret-pass-123"),
    )

    user = User.objects.get(email="agent@example.com")
    assert (user.role, user.full_name) == (Role.AGENT, "Иван Петров")
    assert user.check_password("secret-pass-123")
    team = Team.objects.get(name="Первая линия")
    assert team.code == "pervaya-liniya"
    assert list(team.members.all()) == [user]
    assert "agent@example.com" in out


def test_createuser_finds_a_team_by_code_and_a_lead_leads_it():
    team = TeamFactory(name="Инфраструктура", code="infra")

    run("createuser", "--email", "lead@example.com", "--role", "lead", "--team", "infra")
    run("createuser", "--email", "agent@example.com", "--role", "agent", "--team", "Инфраструктура")

    team.refresh_from_db()
    assert team.lead.email == "lead@example.com"
    assert team.members.count() == 2
    assert Team.objects.count() == 1


def test_createuser_customer_without_password_cannot_log_in():
    run("createuser", "--email", "a@romashka.ru", "--role", "customer", "--organisation", "Ромашка")
    run("createuser", "--email", "b@romashka.ru", "--role", "customer", "--organisation", "Ромашка")

    user = User.objects.get(email="a@romashka.ru")
    assert not user.has_usable_password()
    assert user.organisation.name == "Ромашка"
    assert Organisation.objects.count() == 1


def test_createuser_admin_gets_the_admin_site():
    run("createuser", "--email", "root@example.com", "--role", "admin", "--password", "x-9fj3kq!a")

    user = User.objects.get(email="root@example.com")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--email", "x@example.com", "--role", "boss"], "--role"),
        (["--email", "not-an-email", "--role", "agent"], "--email"),
        (["--email", "taken@example.com", "--role", "agent"], "--email"),
        (["--email", "TAKEN@example.com", "--role", "agent"], "--email"),
        (["--email", "x@example.com", "--role", "agent", "--password", "123"], "--password"),
        (["--email", "x@example.com", "--role", "customer", "--team", "t"], "--team"),
        (["--email", "x@example.com", "--role", "agent", "--organisation", "O"], "--organisation"),
    ],
)
def test_createuser_errors_name_the_field(args, field):
    AgentFactory(email="taken@example.com")

    with pytest.raises(CommandError, match=field):
        run("createuser", *args)

    assert not User.objects.filter(email="x@example.com").exists()


def test_token_create_prints_only_the_token_and_stores_its_hash():
    user = AgentFactory()

    out, _ = run("token", "create", "--email", user.email.upper())

    raw = out.strip()
    assert raw.startswith("ink_") and "\n" not in raw
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hash_token(raw) != raw


def test_token_revoke_deletes_every_token_of_the_user():
    user, other = AgentFactory(), AgentFactory()
    for person in (user, user, other):
        ApiToken.issue(person)

    out, _ = run("token", "revoke", "--email", user.email)

    assert "2" in out
    assert list(ApiToken.objects.values_list("user", flat=True)) == [other.pk]


def test_token_for_unknown_user_names_the_email():
    with pytest.raises(CommandError, match="--email"):
        run("token", "create", "--email", "nobody@example.com")


@pytest.mark.slow  # a real process, on the desk migrated once per run
def test_token_create_in_a_real_process(migrated_data_dir):
    """The installed `incidesk` script, against a SQLite database of its own, as a script
    would (migrated from the run's template: `migrate` finds nothing left to do)."""
    incidesk = str(Path(sys.executable).parent / "incidesk")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["INCIDESK_DATA_DIR"] = str(migrated_data_dir)

    def cli(*args: str) -> str:
        done = subprocess.run(
            [incidesk, *args], env=env, capture_output=True, text=True, timeout=120, check=True
        )
        return done.stdout

    cli("migrate", "--verbosity", "0")
    cli("createuser", "--email", "bot@example.com", "--role", "agent")
    raw = cli("token", "create", "--email", "bot@example.com").strip()

    with sqlite3.connect(migrated_data_dir / "incidesk.sqlite3") as db:
        stored = db.execute("SELECT key_hash FROM accounts_apitoken").fetchall()
    assert stored == [(hash_token(raw),)]
