"""Contacts: customers known only by an e-mail address (an anonymous portal submission, an
e-mail from an unknown sender). They get a customer account without a password, so every
action still has a real actor; they may set a password later through "forgot password"."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from incidesk.accounts.models import Role, User


def contact_for(email: str, name: str = "", language: str = "") -> User:
    """The account for `email`, created as a passwordless customer if there is none.

    An existing account is returned as it is (whatever its role): the caller decides whether
    that person may act on what they asked for.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing
    fields = {"full_name": name.strip()[:200], "role": Role.CUSTOMER}
    if language:
        fields["language"] = language
    try:
        with transaction.atomic():
            return User.objects.create_user(email, None, **fields)
    except IntegrityError:
        return User.objects.get(email__iexact=email)
