"""Talking to the directory with python-ldap: the connection options sign-in and sync share, and
the reads sync needs (every person under the base, every group, nesting resolved here).

Imported only when LDAP is configured: python-ldap is the optional `ldap` extra.
"""

from __future__ import annotations

from collections.abc import Iterator

import ldap
from ldap.controls import SimplePagedResultsControl

from incidesk.directory.models import normalise_dn
from incidesk.directory.people import Person, person_from_entry

PAGE_SIZE = 500  # below Active Directory's MaxPageSize (1000)


def connection_options(conf: dict) -> dict[int, object]:
    """Certificates are always checked; a CA file, if given, is the only CA trusted. Referrals
    are not chased (Active Directory returns them for other domains, with no credentials)."""
    options: dict[int, object] = {
        ldap.OPT_REFERRALS: 0,
        ldap.OPT_PROTOCOL_VERSION: 3,
        ldap.OPT_NETWORK_TIMEOUT: conf["timeout"],
        ldap.OPT_TIMEOUT: conf["timeout"],
        ldap.OPT_X_TLS_REQUIRE_CERT: ldap.OPT_X_TLS_DEMAND,
    }
    if conf["ca_file"]:
        options[ldap.OPT_X_TLS_CACERTFILE] = conf["ca_file"]
    # Last: makes the options above take effect for this connection's TLS context.
    options[ldap.OPT_X_TLS_NEWCTX] = 0
    return options


def user_attributes(conf: dict) -> list[str]:
    return [
        *conf["attributes"].values(),
        conf["login_attr"],
        "objectGUID",
        "entryUUID",
        "userAccountControl",
        "pwdAccountLockedTime",
    ]


def connect(conf: dict) -> ldap.ldapobject.LDAPObject:
    """A connection bound as the service account, over TLS."""
    connection = ldap.initialize(conf["uri"], bytes_mode=False)
    for option, value in connection_options(conf).items():
        connection.set_option(option, value)
    if conf["start_tls"]:
        connection.start_tls_s()
    connection.simple_bind_s(conf["bind_dn"], conf["bind_password"])
    return connection


def _paged(
    connection: ldap.ldapobject.LDAPObject, base: str, filterstr: str, attrs: list[str]
) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    """Every entry of a subtree search, page by page (servers cap unpaged results)."""
    control = SimplePagedResultsControl(True, size=PAGE_SIZE, cookie="")
    while True:
        msgid = connection.search_ext(
            base, ldap.SCOPE_SUBTREE, filterstr, attrs, serverctrls=[control]
        )
        _type, entries, _msgid, controls = connection.result3(msgid)
        for dn, attrs_ in entries:
            if dn is not None:  # not a referral
                yield dn, attrs_
        cookies = [c.cookie for c in controls if c.controlType == control.controlType]
        if not cookies or not cookies[0]:
            return
        control.cookie = cookies[0]


def group_closure(connection: ldap.ldapobject.LDAPObject, conf: dict) -> dict[str, set[str]]:
    """Member DN → every group it is in, directly or through nested groups (cycles allowed)."""
    direct: dict[str, set[str]] = {}
    for dn, attrs in _paged(connection, conf["group_base"], conf["group_filter"], ["member"]):
        group = normalise_dn(dn)
        for member in attrs.get("member", []):
            direct.setdefault(normalise_dn(member.decode()), set()).add(group)
    closure: dict[str, set[str]] = {}

    def groups_of(member: str) -> set[str]:
        if member not in closure:
            seen: set[str] = set()
            todo = list(direct.get(member, ()))
            while todo:
                group = todo.pop()
                if group not in seen:
                    seen.add(group)
                    todo.extend(direct.get(group, ()))
            closure[member] = seen
        return closure[member]

    return {member: groups_of(member) for member in direct}


def read_people(conf: dict) -> list[Person]:
    """Everyone the user search finds, with their groups (nested ones included)."""
    connection = connect(conf)
    try:
        groups = group_closure(connection, conf)
        return [
            person_from_entry(dn, attrs, groups.get(normalise_dn(dn), ()), conf)
            for dn, attrs in _paged(
                connection, conf["user_base"], conf["user_filter"], user_attributes(conf)
            )
        ]
    finally:
        connection.unbind_s()


def is_disabled(conf: dict, dn: str) -> bool:
    """Whether the entry at `dn` exists and is disabled (False when it is not found)."""
    connection = connect(conf)
    try:
        found = connection.search_s(dn, ldap.SCOPE_BASE, conf["user_filter"], user_attributes(conf))
    except ldap.NO_SUCH_OBJECT:
        return False
    finally:
        connection.unbind_s()
    entries = [(entry_dn, attrs) for entry_dn, attrs in found if entry_dn is not None]
    return bool(entries) and person_from_entry(*entries[0], (), conf).disabled
