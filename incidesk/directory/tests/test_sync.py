"""`incidesk ldap sync` against a real slapd (slow): preview, apply, leavers, the mass
deactivation guard."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import translation

from incidesk.accounts.models import ApiToken, Role, User
from incidesk.directory.connection import read_people
from incidesk.directory.models import DirectoryAccount

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PEOPLE = {
    "m.ivanova@corp.example",
    "petrov@corp.example",
    "smirnov@corp.example",
    "kuznetsova@corp.example",
    "sidorov@corp.example",
}


def sync(*args: str, language: str = "en") -> str:
    out = StringIO()
    with translation.override(language):
        call_command("ldap", "sync", *args, stdout=out, stderr=out)
    return out.getvalue()


def set_sidorov_control(directory, value: int) -> None:
    directory.modify(
        "dn: cn=sidorov,ou=people,dc=corp,dc=example\nchangetype: modify\n"
        f"replace: userAccountControl\nuserAccountControl: {value}\n"
    )


@pytest.fixture
def sidorov_switch(directory) -> Iterator[None]:
    """Lets a test disable Sidorov in the directory; enabled again afterwards (it is shared)."""
    try:
        yield
    finally:
        set_sidorov_control(directory, 512)


def test_a_dry_run_shows_who_would_come_and_writes_nothing(directory, mappings):
    out = sync()

    for email in PEOPLE:
        assert f"+ {email}" in out
    assert "Иванова Мария Петровна" in out
    assert "volkov" not in out  # disabled in the directory
    assert not User.objects.exists()


def test_apply_brings_people_in_with_their_roles_and_a_second_run_finds_nothing(
    directory, mappings
):
    sync("--apply")

    people = {u.email: u for u in User.objects.all()}
    assert set(people) == PEOPLE
    assert people["m.ivanova@corp.example"].role == Role.AGENT
    assert people["smirnov@corp.example"].role == Role.LEAD
    assert people["kuznetsova@corp.example"].role == Role.ADMIN
    assert people["sidorov@corp.example"].role == Role.CUSTOMER
    assert people["m.ivanova@corp.example"].directory_account.department == (
        "Первая линия поддержки"
    )
    assert list(people["m.ivanova@corp.example"].teams.values_list("code", flat=True)) == [
        "first-line"
    ]
    out = sync()
    assert "(0)" in out.splitlines()[0] and "(0)" in out.splitlines()[1]
    assert "To deactivate (0 of 5 active)" in out


def test_sign_in_and_sync_see_the_same_groups(directory, mappings):
    synced = {p.email: p.groups for p in read_people(directory.settings())}
    request = RequestFactory().post("/login/")

    user = authenticate(request, username="smirnov", password="smirnov-pass")

    assert set(user.directory_account.groups) == synced["smirnov@corp.example"]
    sidorov = authenticate(request, username="sidorov", password="sidorov-pass")
    assert (
        set(sidorov.directory_account.groups)
        == synced["sidorov@corp.example"]
        == {
            "cn=loop-a,ou=groups,dc=corp,dc=example",
            "cn=loop-b,ou=groups,dc=corp,dc=example",
        }
    )


def test_a_person_disabled_in_the_directory_is_deactivated_and_comes_back_when_enabled(
    directory, mappings, sidorov_switch
):
    sync("--apply")
    sidorov = User.objects.get(email="sidorov@corp.example")
    ApiToken.issue(sidorov)
    set_sidorov_control(directory, 514)

    out = sync("--apply", "--max-deactivate", "25")

    assert "- sidorov@corp.example" in out
    sidorov.refresh_from_db()
    assert not sidorov.is_active
    assert sidorov.directory_account.left_at is not None
    assert not sidorov.api_tokens.exists()

    set_sidorov_control(directory, 512)
    out = sync("--apply")

    assert "active again" in out
    sidorov.refresh_from_db()
    assert sidorov.is_active
    assert sidorov.directory_account.left_at is None


def test_an_admins_deactivation_is_not_undone(directory, mappings):
    sync("--apply")
    petrov = User.objects.get(email="petrov@corp.example")
    petrov.is_active = False
    petrov.save()

    sync("--apply")

    petrov.refresh_from_db()
    assert not petrov.is_active


def test_a_mass_deactivation_is_refused_without_force(directory, mappings, settings):
    sync("--apply")
    # A wrong base DN: nobody is found, which looks as if everybody left.
    settings.INCIDESK_LDAP = directory.settings(
        INCIDESK_LDAP_USER_BASE="ou=service,dc=corp,dc=example"
    )

    preview = sync()
    assert "To deactivate (5 of 5 active)" in preview
    assert "more than the 10% allowed" in preview
    with pytest.raises(CommandError, match="--force"):
        sync("--apply")
    with pytest.raises(CommandError, match="Деактивация затронет 100% активных людей"):
        sync("--apply", language="ru")
    assert User.objects.filter(is_active=True).count() == 5

    sync("--apply", "--force")
    assert not User.objects.filter(is_active=True).exists()


def test_a_pinned_local_role_survives_sync_and_the_preview_says_so(directory, mappings):
    sync("--apply")
    petrov = User.objects.get(email="petrov@corp.example")
    petrov.role, petrov.full_name = Role.ADMIN, "Петров (временно)"
    petrov.save()
    DirectoryAccount.objects.filter(user=petrov).update(local_override=True)

    out = sync("--apply")

    assert "pinned" in out
    petrov.refresh_from_db()
    assert petrov.role == Role.ADMIN
    assert petrov.full_name == "Петров Пётр Ильич"


def test_a_directory_that_cannot_be_read_stops_the_sync_before_any_write(
    directory, mappings, settings
):
    sync("--apply")
    settings.INCIDESK_LDAP = directory.settings(INCIDESK_LDAP_BIND_PASSWORD="expired")

    with pytest.raises(CommandError, match="could not be read: Invalid credentials"):
        sync("--apply", "--force")
    assert User.objects.filter(is_active=True).count() == 5
