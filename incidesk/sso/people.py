"""An OpenID provider's claims → a local account: find, link or create it, and bring its name,
role and teams up to date. The same group mapping as the directory's (`directory.mapping`)
decides role and teams, so a group means one thing however its members sign in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidesk.accounts.models import User
from incidesk.core.text import clean_line
from incidesk.directory.mapping import decide, load_mappings
from incidesk.directory.models import DirectoryAccount
from incidesk.sso.config import Provider
from incidesk.sso.models import Identity


@dataclass(frozen=True)
class Claims:
    """What the provider says about the person, already checked for type."""

    subject: str
    email: str
    email_verified: bool
    full_name: str
    groups: frozenset[str]


class Refused(Exception):
    """Sign-in refused, with the reason the person is shown."""


def claims_from(raw: Mapping[str, Any], provider: Provider) -> Claims:
    """The claims the desk uses. `email_verified` counts only as a real true (some providers
    send the string "true"); groups may be a list or one string; Keycloak's group paths
    ("/desk/agents") and plain names are both kept as sent."""
    verified = raw.get("email_verified")
    groups = raw.get(provider.groups_claim, []) if provider.groups_claim else []
    if isinstance(groups, str):
        groups = [groups]
    name = raw.get("name") or " ".join(
        str(raw.get(part, "")) for part in ("given_name", "family_name")
    )
    return Claims(
        subject=str(raw.get("sub", "")),
        email=str(raw.get("email", "")).strip().lower(),
        email_verified=verified is True or str(verified).lower() == "true",
        full_name=clean_line(str(name))[:200],
        groups=frozenset(str(g) for g in groups if isinstance(g, str | int)),
    )


def _account(provider: Provider, claims: Claims) -> tuple[User | None, Identity | None]:
    identity = (
        Identity.objects.select_related("user")
        .filter(provider=provider.slug, subject=claims.subject)
        .first()
    )
    if identity is not None:
        return identity.user, identity
    user = User.objects.filter(email__iexact=claims.email).first() if claims.email else None
    if user is not None and not claims.email_verified:
        # Anyone can type someone else's address at a provider that does not check it.
        raise Refused(
            _(
                "An account with this e-mail already exists, but the provider has not "
                "verified the address. Sign in with your password, or ask the provider "
                "to verify it."
            )
        )
    return user, None


def _pinned(user: User) -> bool:
    """An admin's pin on a directory person's role and teams holds for every way in."""
    return DirectoryAccount.objects.filter(user=user, local_override=True).exists()


@transaction.atomic
def sign_in(provider: Provider, claims: Claims) -> User:
    """The account the person signs in as, linked, created and updated as needed; `Refused`
    when they may not."""
    if not claims.subject:
        raise Refused(_("The provider did not say who you are."))
    user, identity = _account(provider, claims)
    if user is None:
        if not claims.email:
            raise Refused(_("The provider did not give your e-mail address."))
        if not claims.email_verified or not provider.may_create(claims.email):
            raise Refused(
                _("There is no account for %(email)s, and this provider may not create one.")
                % {"email": claims.email}
            )
        user = User(email=claims.email)
        user.set_unusable_password()
    elif not user.is_active:
        raise Refused(_("This account is disabled."))
    if claims.full_name:
        user.full_name = claims.full_name
    access = None
    if provider.groups_claim and (user.pk is None or not _pinned(user)):
        access = decide(claims.groups, load_mappings())
        user.role = access.role
    # A full save: the role decides the admin-site flags `User.save` sets beside it.
    user.save()
    if access is not None:
        user.teams.remove(*(access.managed_teams - access.teams))
        user.teams.add(*access.teams)
    if identity is None:
        identity = Identity(user=user, provider=provider.slug, subject=claims.subject)
    identity.groups = sorted(claims.groups)
    identity.last_sign_in_at = timezone.now()
    identity.save()
    return user
