"""Signing in with a directory password, against a real slapd over StartTLS (slow)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from incidesk.accounts.models import ApiToken, Role, User
from incidesk.directory.models import DirectoryAccount
from incidesk.directory.tests.conftest import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def check(login: str, password: str) -> User | None:
    """The password check every sign-in form runs (axes needs the request)."""
    request = RequestFactory().post("/login/")
    return authenticate(request, username=login, password=password)


def sign_in(login: str, password: str) -> Client:
    client = Client()
    response = client.post(reverse("web:login"), {"username": login, "password": password})
    assert response.status_code in {200, 302}
    return client


def test_a_cyrillic_agent_signs_in_to_the_console_with_role_and_team_from_a_nested_group(
    directory, mappings
):
    client = sign_in("ivanova", "Пароль-1")

    assert client.get(reverse("console:queues")).status_code == 200
    user = User.objects.get(email="m.ivanova@corp.example")
    assert user.full_name == "Иванова Мария Петровна"
    assert user.phone == "+7 495 111-22-33"
    assert user.role == Role.AGENT
    assert list(user.teams.values_list("code", flat=True)) == ["first-line"]
    assert not user.has_usable_password()
    account = user.directory_account
    assert account.department == "Первая линия поддержки"
    assert account.login == "ivanova"
    assert "cn=first-line,ou=groups,dc=corp,dc=example" in account.groups
    assert "cn=desk-agents,ou=groups,dc=corp,dc=example" in account.groups


def test_the_most_privileged_group_wins_and_teams_add_up(directory, mappings):
    smirnov = check("smirnov", "smirnov-pass")
    kuznetsova = check("kuznetsova", "kuznetsova-pass")
    sidorov = check("sidorov", "sidorov-pass")

    assert smirnov.role == Role.LEAD  # desk-agents and desk-leads
    assert set(smirnov.teams.values_list("code", flat=True)) == {"first-line", "network"}
    assert kuznetsova.role == Role.ADMIN  # it-managers inside desk-admins
    assert kuznetsova.is_staff
    assert sidorov.role == Role.CUSTOMER  # only in a loop of unmapped groups
    assert sidorov.full_name == "Сидоров Ёжик Эдуардович"


@pytest.mark.parametrize(
    ("attribute", "login"),
    [
        ("sAMAccountName", "petrov"),
        ("userPrincipalName", "petrov@corp.example"),
        ("mail", "PETROV@corp.example"),
    ],
)
def test_people_are_found_by_the_configured_attribute(
    directory, mappings, settings, attribute, login
):
    settings.INCIDESK_LDAP = directory.settings(INCIDESK_LDAP_LOGIN_ATTR=attribute)

    user = check(login, "petrov-pass")

    assert user is not None
    assert user.email == "petrov@corp.example"
    if attribute != "sAMAccountName":
        assert check("ivanova", "Пароль-1") is None


def test_a_wrong_password_and_an_unknown_login_are_refused(directory, mappings):
    assert check("ivanova", "wrong") is None
    assert check("nobody", "x") is None
    assert not User.objects.exists()


def test_a_disabled_account_is_refused_and_deactivated_with_its_sessions_and_tokens(
    directory, mappings
):
    volkov = User.objects.create_user("volkov@corp.example", role=Role.AGENT)
    DirectoryAccount.objects.create(
        user=volkov, dn="cn=volkov,ou=people,dc=corp,dc=example", synced_at="2026-01-01T00:00Z"
    )
    ApiToken.issue(volkov)

    assert check("volkov", "volkov-pass") is None

    volkov.refresh_from_db()
    assert not volkov.is_active
    assert volkov.directory_account.left_at is not None
    assert not volkov.api_tokens.exists()


def test_the_pinned_local_role_survives_sign_in_but_names_are_copied(directory, mappings):
    user = check("petrov", "petrov-pass")
    user.role, user.full_name = Role.ADMIN, "Old name"
    user.save()
    user.teams.clear()
    DirectoryAccount.objects.filter(user=user).update(local_override=True)

    user = check("petrov", "petrov-pass")

    assert user.role == Role.ADMIN
    assert not user.teams.exists()
    assert user.full_name == "Петров Пётр Ильич"


def test_sign_in_undoes_a_local_role_change_without_the_pin(directory, mappings):
    user = check("petrov", "petrov-pass")
    User.objects.filter(pk=user.pk).update(role=Role.ADMIN)

    assert check("petrov", "petrov-pass").role == Role.AGENT


def test_an_existing_local_account_is_linked_by_e_mail_and_local_sign_in_stays(directory, mappings):
    local = User.objects.create_user("petrov@corp.example", "local-pass-123", role=Role.CUSTOMER)
    other = User.objects.create_user("local@example.com", "local-pass-123")

    user = check("petrov", "petrov-pass")

    assert user.pk == local.pk
    assert user.role == Role.AGENT
    assert check("local@example.com", "local-pass-123") == other


def test_an_account_deactivated_by_an_admin_stays_out(directory, mappings):
    user = check("petrov", "petrov-pass")
    user.is_active = False
    user.save()

    assert check("petrov", "petrov-pass") is None
    user.refresh_from_db()
    assert not user.is_active


def test_failed_directory_passwords_lock_the_login_out(directory, mappings, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(3):
        Client().post(reverse("web:login"), {"username": "ivanova", "password": "wrong"})

    response = Client().post(reverse("web:login"), {"username": "ivanova", "password": "Пароль-1"})

    assert response.status_code == 429
    assert not User.objects.filter(email="m.ivanova@corp.example").exists()


def test_a_certificate_from_another_ca_is_refused(directory, mappings, settings):
    settings.INCIDESK_LDAP = directory.settings(
        INCIDESK_LDAP_CA_FILE="/etc/ssl/certs/ca-certificates.crt"
    )

    assert check("ivanova", "Пароль-1") is None


def test_ldaps_works_as_well_as_starttls(directory, mappings, settings):
    settings.INCIDESK_LDAP = directory.settings(
        INCIDESK_LDAP_URI=f"ldaps://127.0.0.1:{directory.ldaps_port}", INCIDESK_LDAP_START_TLS=""
    )

    assert check("ivanova", "Пароль-1").role == Role.AGENT


def test_local_accounts_still_sign_in_while_the_directory_is_down(directory, mappings, settings):
    settings.INCIDESK_LDAP = directory.settings(INCIDESK_LDAP_URI=f"ldap://127.0.0.1:{free_port()}")
    local = User.objects.create_user("local@example.com", "local-pass-123")

    assert check("ivanova", "Пароль-1") is None
    assert check("local@example.com", "local-pass-123") == local


def test_a_session_ends_at_the_next_check_after_the_person_is_disabled(
    directory, mappings, settings
):
    client = sign_in("petrov", "petrov-pass")
    assert client.get(reverse("console:queues")).status_code == 200
    user = User.objects.get(email="petrov@corp.example")
    ApiToken.issue(user)
    disable = "replace: userAccountControl\nuserAccountControl: {}\n"
    entry = "dn: cn=petrov,ou=people,dc=corp,dc=example\nchangetype: modify\n"
    directory.modify(entry + disable.format(514))
    try:
        # Within the interval the session is not checked again.
        assert client.get(reverse("console:queues")).status_code == 200
        settings.INCIDESK_LDAP = directory.settings(INCIDESK_LDAP_RECHECK_MINUTES=0)

        response = client.get(reverse("console:queues"))
    finally:
        directory.modify(entry + disable.format(512))

    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))
    user.refresh_from_db()
    assert not user.is_active
    assert not user.api_tokens.exists()


def test_a_session_survives_a_directory_outage_and_a_check_that_finds_it_enabled(
    directory, mappings, settings
):
    client = sign_in("petrov", "petrov-pass")
    client.get(reverse("console:queues"))
    settings.INCIDESK_LDAP = directory.settings(INCIDESK_LDAP_RECHECK_MINUTES=0)
    assert client.get(reverse("console:queues")).status_code == 200

    settings.INCIDESK_LDAP = directory.settings(
        INCIDESK_LDAP_RECHECK_MINUTES=0, INCIDESK_LDAP_URI=f"ldap://127.0.0.1:{free_port()}"
    )

    assert client.get(reverse("console:queues")).status_code == 200
    assert User.objects.get(email="petrov@corp.example").is_active
