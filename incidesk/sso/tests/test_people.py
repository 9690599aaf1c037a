"""Claims → account: mapping, the domain allow-list, linking only through a verified address."""

from __future__ import annotations

import pytest
from django.utils import timezone

from incidesk.accounts.models import Role, Team, User
from incidesk.accounts.tests.factories import UserFactory
from incidesk.directory.models import DirectoryAccount, GroupMapping
from incidesk.sso.config import providers_from
from incidesk.sso.models import Identity
from incidesk.sso.people import Refused, claims_from, sign_in

pytestmark = pytest.mark.django_db


def provider(**overrides: str):
    environ = {
        "INCIDESK_OIDC_PROVIDERS": "keycloak",
        "INCIDESK_OIDC_KEYCLOAK_ISSUER": "https://id.corp.example/realms/desk",
        "INCIDESK_OIDC_KEYCLOAK_CLIENT_ID": "incidesk",
        "INCIDESK_OIDC_KEYCLOAK_DOMAINS": "corp.example, @branch.corp.example",
    }
    environ.update({f"INCIDESK_OIDC_KEYCLOAK_{k}": v for k, v in overrides.items()})
    return providers_from(environ)["keycloak"]


def claims(**raw):
    base = {
        "sub": "f1c9",
        "email": "Anna@Corp.Example",
        "email_verified": True,
        "name": "Анна\u202eЛебедева",
        "groups": ["/desk/agents", "/desk/network"],
    }
    base.update(raw)
    return claims_from(base, provider())


@pytest.fixture
def mappings():
    network = Team.objects.create(name="Сеть", code="sso-network")
    GroupMapping.objects.create(position=1, group_dn="/desk/agents", role=Role.AGENT)
    GroupMapping.objects.create(position=2, group_dn="/desk/network", role=Role.AGENT, team=network)
    GroupMapping.objects.create(position=3, group_dn="/desk/leads", role=Role.LEAD)
    return network


def test_claims_are_cleaned_and_typed():
    got = claims(email_verified="true", groups="/desk/leads", name="", given_name="Иван")
    assert got.email == "anna@corp.example"
    assert got.email_verified is True
    assert got.groups == frozenset({"/desk/leads"})
    assert got.full_name.strip() == "Иван"
    assert claims(email_verified="false").email_verified is False
    assert claims(email_verified=None).email_verified is False
    assert claims(name="Анна\u202eЛебедева").full_name == "АннаЛебедева"


def test_a_new_person_from_an_allowed_domain_gets_role_and_team_from_groups(mappings):
    user = sign_in(provider(), claims())
    assert (user.email, user.full_name, user.role) == (
        "anna@corp.example",
        "АннаЛебедева",
        Role.AGENT,
    )
    assert list(user.teams.all()) == [mappings]
    assert not user.has_usable_password()
    assert Identity.objects.get(provider="keycloak", subject="f1c9").user == user


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("a@corp.example", True),
        ("a@branch.corp.example", True),
        ("a@CORP.EXAMPLE", True),
        ("a@evilcorp.example", False),
        ("a@corp.example.evil", False),
        ("a@sub.corp.example", False),
    ],
)
def test_only_listed_domains_may_get_new_accounts(email, allowed):
    assert provider().may_create(email) is allowed
    if not allowed:
        with pytest.raises(Refused):
            sign_in(provider(), claims(email=email))
        assert not User.objects.filter(email=email.lower()).exists()


def test_without_domains_nobody_new_gets_an_account():
    with pytest.raises(Refused):
        sign_in(provider(DOMAINS=""), claims())
    assert not User.objects.exists()


def test_an_unverified_address_creates_nothing():
    with pytest.raises(Refused):
        sign_in(provider(), claims(email_verified=False))
    assert not User.objects.exists()


def test_an_existing_account_is_not_linked_through_an_unverified_address(mappings):
    boss = UserFactory(email="anna@corp.example", role=Role.ADMIN)
    with pytest.raises(Refused, match="не подтвердил"):
        sign_in(provider(), claims(email_verified=False))
    boss.refresh_from_db()
    assert boss.role == Role.ADMIN
    assert not Identity.objects.exists()


def test_an_existing_account_is_linked_through_a_verified_address_then_found_by_subject(
    mappings,
):
    local = UserFactory(email="anna@corp.example", role=Role.CUSTOMER)
    assert sign_in(provider(), claims()) == local
    # The address changed at the provider: the subject still finds the same account.
    again = sign_in(provider(), claims(email="anna.l@corp.example", email_verified=False))
    assert again == local
    local.refresh_from_db()
    assert local.role == Role.AGENT


def test_leaving_a_group_takes_the_role_and_managed_team_away_but_not_other_teams(mappings):
    other = Team.objects.create(name="Своя", code="sso-own")
    user = sign_in(provider(), claims())
    user.teams.add(other)
    sign_in(provider(), claims(groups=[]))
    user.refresh_from_db()
    assert user.role == Role.CUSTOMER
    assert list(user.teams.all()) == [other]


def test_the_admins_pin_holds_and_an_empty_groups_claim_setting_leaves_roles_alone(mappings):
    user = sign_in(provider(), claims())
    DirectoryAccount.objects.create(
        user=user, dn="cn=anna", local_override=True, synced_at=timezone.now()
    )
    sign_in(provider(), claims(groups=["/desk/leads"]))
    user.refresh_from_db()
    assert user.role == Role.AGENT
    DirectoryAccount.objects.filter(user=user).delete()
    sign_in(provider(GROUPS_CLAIM=""), claims(groups=["/desk/leads"]))
    user.refresh_from_db()
    assert user.role == Role.AGENT


def test_a_disabled_account_stays_out():
    UserFactory(email="anna@corp.example", is_active=False)
    with pytest.raises(Refused):
        sign_in(provider(), claims())


def test_no_subject_no_sign_in():
    with pytest.raises(Refused):
        sign_in(provider(), claims(sub=""))
