"""People as the directory would describe them, for the tests that need no directory."""

from __future__ import annotations

import uuid

from incidesk.directory.people import Person
from incidesk.settings import ldap_settings

GROUPS = "ou=groups,dc=corp,dc=example"
AGENTS, LEADS, ADMINS = (f"cn={name},{GROUPS}" for name in ("agents", "leads", "admins"))
CONF = ldap_settings(
    {
        "INCIDESK_LDAP_URI": "ldaps://dc.corp.example",
        "INCIDESK_LDAP_USER_BASE": "dc=corp,dc=example",
    }
)


def person(login: str, *groups: str, uid: str = "", disabled: bool = False, **fields) -> Person:
    values = {
        "dn": f"cn={login},ou=people,dc=corp,dc=example",
        "uid": uid or str(uuid.uuid5(uuid.NAMESPACE_DNS, login)),
        "login": login,
        "email": f"{login}@corp.example",
        "full_name": login.title(),
        "phone": "",
        "department": "",
        "disabled": disabled,
        "groups": frozenset(groups),
    } | fields
    return Person(**values)
