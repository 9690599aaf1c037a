"""The mapping rule and the write path without a directory: people as the directory would
describe them, accounts as Incidesk has them."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from incidesk.accounts.models import Role, Team, User
from incidesk.directory.mapping import decide, load_mappings
from incidesk.directory.models import DirectoryAccount, GroupMapping, normalise_dn
from incidesk.directory.people import person_from_entry, sign_in
from incidesk.directory.sync import apply_plan, make_plan
from incidesk.directory.tests.people import ADMINS, AGENTS, CONF, GROUPS, LEADS, person
from incidesk.settings import ldap_settings

pytestmark = pytest.mark.django_db


def test_dns_compare_whatever_their_case_and_spaces():
    assert normalise_dn(" CN=Desk Admins, OU=Groups ,DC=corp") == "cn=desk admins,ou=groups,dc=corp"


def test_the_most_privileged_role_wins_whatever_the_order(teams):
    mappings = load_mappings()

    assert decide([LEADS, AGENTS], mappings).role == Role.LEAD
    assert decide([AGENTS, ADMINS], mappings).role == Role.ADMIN
    both = decide([AGENTS.upper(), LEADS], mappings)
    assert both.teams == {teams["desk"].pk, teams["network"].pk}
    assert both.role_reason.group_dn == LEADS
    nobody = decide(["cn=everyone,ou=groups,dc=corp,dc=example"], mappings)
    assert (nobody.role, nobody.teams, nobody.role_reason) == (Role.CUSTOMER, frozenset(), None)


def test_an_equal_role_names_the_first_mapping_in_order(teams):
    GroupMapping.objects.create(position=0, group_dn=f"cn=seniors,{GROUPS}", role=Role.LEAD)

    reason = decide([LEADS, f"cn=seniors,{GROUPS}"], load_mappings()).role_reason

    assert reason.group_dn == f"cn=seniors,{GROUPS}"


def test_an_entry_becomes_a_person_with_cyrillic_intact():
    guid = uuid.uuid4()
    entry = {
        "displayName": ["Иванова\tМария\u202e".encode()],
        "MAIL": [b"M.Ivanova@Corp.Example"],
        "telephoneNumber": [b"+7 495 111-22-33"],
        "department": ["Бухгалтерия"],
        "sAMAccountName": [b"ivanova"],
        "objectGUID": [guid.bytes_le],
        "userAccountControl": [b"66050"],
    }

    result = person_from_entry("CN=Ivanova, OU=People,DC=corp", entry, [ADMINS], CONF)

    assert result.full_name == "Иванова Мария"
    assert result.email == "m.ivanova@corp.example"
    assert result.department == "Бухгалтерия"
    assert result.uid == str(guid)
    assert result.dn == "cn=ivanova,ou=people,dc=corp"
    assert result.disabled  # 66050 = 65536 + 512 + 2 (ACCOUNTDISABLE)
    assert not person_from_entry("cn=x", {"userAccountControl": [b"66048"]}, [], CONF).disabled
    locked = {"pwdAccountLockedTime": [b"000001010000Z"]}
    assert person_from_entry("cn=x", locked, [], CONF).disabled


def test_sign_in_creates_the_account_and_manages_only_mapped_teams(teams):
    other = Team.objects.create(name="Other", code="other")
    user = sign_in(person("ivanova", AGENTS, department="Первая линия"))
    user.teams.add(other, teams["network"])

    user = sign_in(person("ivanova", AGENTS))

    assert user.role == Role.AGENT
    assert set(user.teams.values_list("code", flat=True)) == {"desk", "other"}
    assert user.directory_account.department == ""


def test_a_renamed_person_is_found_by_directory_id(teams):
    first = sign_in(person("ivanova", AGENTS, uid="guid-1"))

    renamed = sign_in(person("petrova", AGENTS, uid="guid-1", full_name="Петрова Мария"))

    assert renamed.pk == first.pk
    assert renamed.email == "petrova@corp.example"
    assert renamed.directory_account.login == "petrova"


def test_a_new_person_with_an_old_dn_does_not_take_the_old_account(teams):
    old = sign_in(person("ivanova", ADMINS, uid="guid-old"))

    newcomer = sign_in(person("ivanova", uid="guid-new", email="ivanova2@corp.example"))

    assert newcomer.pk != old.pk
    assert newcomer.role == Role.CUSTOMER


def test_an_e_mail_of_another_directory_account_is_refused(teams):
    sign_in(person("ivanova", uid="guid-1"))

    assert sign_in(person("impostor", uid="guid-2", email="ivanova@corp.example")) is None
    assert User.objects.count() == 1


def test_a_person_without_e_mail_cannot_sign_in_and_sync_only_counts_them(teams):
    nameless = person("svc-backup", email="")

    assert sign_in(nameless) is None
    result = make_plan([nameless, person("petrov")])
    assert result.without_email == 1
    assert [u.person.login for u in result.new] == ["petrov"]


def test_the_plan_counts_the_share_to_deactivate_among_active_directory_people(teams):
    for login in ("a", "b", "c", "d"):
        sign_in(person(login))
    local = User.objects.create_user("local@example.com")
    gone = User.objects.get(email="d@corp.example")
    gone.is_active = False
    gone.save()

    result = make_plan([person("a"), person("b", disabled=True)])

    assert sorted(u.email for u in result.deactivate) == ["b@corp.example", "c@corp.example"]
    assert result.active == 3
    assert result.deactivate_share == pytest.approx(200 / 3)
    apply_plan(result)
    local.refresh_from_db()
    assert local.is_active  # local accounts are never the directory's to deactivate
    assert DirectoryAccount.objects.exclude(left_at=None).count() == 2
    assert User.objects.get(email="a@corp.example").is_active


def test_the_plan_lists_changes_and_writes_nothing(teams):
    user = sign_in(person("petrov", AGENTS))
    before = timezone.now()

    result = make_plan([person("petrov", LEADS, full_name="Петров П.", phone="+7 1")])

    (update,) = result.changed
    assert update.changes["full_name"] == ("Petrov", "Петров П.")
    assert update.changes["role"] == (Role.AGENT, Role.LEAD)
    assert update.changes["teams"] == ("Desk", "Network")
    user.refresh_from_db()
    assert (user.role, user.full_name) == (Role.AGENT, "Petrov")
    assert user.directory_account.synced_at < before


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"INCIDESK_LDAP_URI": "ldap://dc"}, "START_TLS"),
        ({"INCIDESK_LDAP_URI": "ldaps://dc", "INCIDESK_LDAP_START_TLS": "1"}, "START_TLS"),
        ({"INCIDESK_LDAP_URI": "ldaps://dc"}, "INCIDESK_LDAP_USER_BASE"),
        (
            {"INCIDESK_LDAP_URI": "ldaps://dc", "INCIDESK_LDAP_USER_BASE": "dc=x"}
            | {"INCIDESK_LDAP_LOGIN_ATTR": "cn"},
            "sAMAccountName",
        ),
        (
            {"INCIDESK_LDAP_URI": "ldaps://dc", "INCIDESK_LDAP_USER_BASE": "dc=x"}
            | {"INCIDESK_LDAP_ATTRIBUTES": "nickname=cn"},
            "field=attribute",
        ),
    ],
)
def test_a_bad_configuration_says_what_to_fix(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        ldap_settings(environ)


def test_ldap_is_off_without_a_uri_and_attributes_can_be_renamed():
    assert ldap_settings({}) is None
    conf = ldap_settings(
        {
            "INCIDESK_LDAP_URI": "ldap://dc",
            "INCIDESK_LDAP_START_TLS": "yes",
            "INCIDESK_LDAP_USER_BASE": "dc=x",
            "INCIDESK_LDAP_ATTRIBUTES": "department=departmentNumber, full_name=cn",
        }
    )
    assert conf["attributes"]["department"] == "departmentNumber"
    assert conf["attributes"]["full_name"] == "cn"
    assert conf["attributes"]["email"] == "mail"
    assert conf["group_base"] == "dc=x"


def test_a_disabled_entry_deactivates_only_the_account_linked_to_it(teams):
    local = User.objects.create_user("volkov@corp.example", "local-pass-123")
    assert sign_in(person("volkov", disabled=True)) is None
    local.refresh_from_db()
    assert local.is_active

    linked = sign_in(person("petrov"))
    assert sign_in(person("petrov", disabled=True)) is None
    linked.refresh_from_db()
    assert not linked.is_active
