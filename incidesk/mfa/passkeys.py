"""Passkeys (WebAuthn credentials, django-otp-webauthn's device) as a second factor: whether this
address can use them, whose they are, and removing one. The library's views make them (through
`mfa.passkey_views`, which adds the desk's rules); only this module and `devices.reset` remove
them."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django_otp_webauthn.models import WebAuthnCredential

from incidesk.accounts.models import User
from incidesk.mfa.relying_party import RelyingParty, usable


def available() -> bool:
    """Whether browsers offer passkeys at the desk's address (see `relying_party.usable`)."""
    origins = settings.OTP_WEBAUTHN_ALLOWED_ORIGINS
    return bool(origins) and usable(RelyingParty(settings.OTP_WEBAUTHN_RP_ID, origins[0]))


def passkeys_of(user: User) -> QuerySet[WebAuthnCredential]:
    """The person's passkeys, newest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-created_at")


def has_passkey(user: User) -> bool:
    return passkeys_of(user).exists()


@transaction.atomic
def remove(user: User, pk: int) -> None:
    """Remove one of the person's own passkeys; anyone else's is missing (404) to them."""
    deleted, _kinds = WebAuthnCredential.objects.filter(user=user, pk=pk).delete()
    if not deleted:
        raise Http404


def remove_all(user: User) -> None:
    """Every passkey of the person, for an admin's reset (`devices.reset`, which records it)."""
    WebAuthnCredential.objects.filter(user=user).delete()
