"""Sign-in with a directory password, through django-auth-ldap.

django-auth-ldap finds the person with the service account (by sAMAccountName,
userPrincipalName, mail or uid), checks the password by binding as them over TLS, and reads
their groups, nested ones included. The account itself is written by `people.sign_in`, the path
`ldap sync` uses too, so sign-in and sync cannot disagree about a person.
"""

from __future__ import annotations

from typing import cast

import ldap
from django.conf import settings
from django_auth_ldap.backend import LDAPBackend, _LDAPUser
from django_auth_ldap.config import LDAPSearch, LDAPSettings, NestedMemberDNGroupType

from incidesk.accounts.models import User
from incidesk.directory.connection import connection_options, user_attributes
from incidesk.directory.people import person_from_entry, sign_in


def auth_ldap_settings(conf: dict) -> dict:
    """django-auth-ldap's settings (without their AUTH_LDAP_ prefix) for Incidesk's."""
    login = f"({conf['login_attr']}=%(user)s)"
    return {
        "SERVER_URI": conf["uri"],
        "START_TLS": conf["start_tls"],
        "CONNECTION_OPTIONS": connection_options(conf),
        "BIND_DN": conf["bind_dn"],
        "BIND_PASSWORD": conf["bind_password"],
        "USER_SEARCH": LDAPSearch(
            conf["user_base"], ldap.SCOPE_SUBTREE, f"(&{conf['user_filter']}{login})"
        ),
        "USER_ATTRLIST": user_attributes(conf),
        "GROUP_SEARCH": LDAPSearch(conf["group_base"], ldap.SCOPE_SUBTREE, conf["group_filter"]),
        "GROUP_TYPE": NestedMemberDNGroupType(member_attr="member"),
        # The account is written by people.sign_in, not by django-auth-ldap.
        "ALWAYS_UPDATE_USER": False,
        "USER_ATTR_MAP": {},
    }


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap configured from INCIDESK_LDAP_* (settings.INCIDESK_LDAP)."""

    settings_prefix = "INCIDESK_LDAP_DJANGO_"  # nothing is read from AUTH_LDAP_* settings

    _built_from: dict | None = None
    _settings: LDAPSettings | None  # LDAPBackend sets it to None; built below

    @property
    def settings(self) -> LDAPSettings:
        # settings.py lists this backend only when INCIDESK_LDAP is set.
        conf = cast(dict, settings.INCIDESK_LDAP)
        if self._settings is None or self._built_from is not conf:
            self._settings = LDAPSettings(self.settings_prefix, auth_ldap_settings(conf))
            self._built_from = conf
        return self._settings

    @settings.setter
    def settings(self, value: LDAPSettings) -> None:
        """django-auth-ldap may assign it; the configuration always comes from Django's."""

    def get_or_build_user(self, username: str, ldap_user: _LDAPUser) -> tuple[User, bool]:
        """Called once the password is proven: the local account, created or brought up to
        date. A person disabled in the directory is deactivated here and refused."""
        conf = cast(dict, settings.INCIDESK_LDAP)  # set: settings.py lists this backend only then
        person = person_from_entry(ldap_user.dn, ldap_user.attrs or {}, ldap_user.group_dns, conf)
        user = sign_in(person)
        if user is None:
            raise ldap_user.AuthenticationFailed(f"{person.dn} may not sign in")
        return user, False

    def get_user(self, user_id: int) -> User | None:
        """The session's user, refused once deactivated (as Django's ModelBackend does)."""
        return User.objects.filter(pk=user_id, is_active=True).first()
