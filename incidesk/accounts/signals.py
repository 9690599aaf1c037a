"""A deactivated person loses every way in at once, whichever path deactivated them (the admin's
checkbox, the shell, a command): their sessions end, their API tokens are revoked, and
`user_deactivated` lets other apps revoke what they issued (the portal's tracking links).

`QuerySet.update()` sends no signal; the lookups refuse inactive users anyway (sign-in, bearer
tokens, tracking links, `incidents.access`), so such a bulk change still opens nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from incidesk.accounts.models import STAFF_ROLES, User

# Sent with `user=` inside the transaction that deactivated the user.
user_deactivated = Signal()

SESSION_BATCH = 2000


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """Delete the user's stored sessions (but `keep`, the one making the request); returns how
    many. Sessions are opaque rows, so each unexpired one is decoded: deactivation and
    two-factor changes are rare, and they are the only callers."""
    user_id = str(user.pk)
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(
            chunk_size=SESSION_BATCH
        )
        if session.session_key != keep
        and str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    Session.objects.filter(session_key__in=mine).delete()
    return len(mine)


def revoke_access(user: User) -> None:
    """Everything a deactivated user could still get in with."""
    end_sessions(user)
    user.api_tokens.all().delete()
    user_deactivated.send(sender=User, user=user)


# What lists of staff show of a person (`staff_users()` and the choices made from it), read
# from the stored row with `is_active` in the one query before a save.
STAFF_LIST_FIELDS = ("is_active", "role", "full_name", "email")


@receiver(pre_save, sender=User)
def _remember_active(
    sender: type[User],
    instance: User,
    update_fields: Iterable[str] | None = None,
    **kwargs: Any,
) -> None:
    instance._was_active = instance._stored = None
    if instance._state.adding or (update_fields is not None and "is_active" not in update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values_list(*STAFF_LIST_FIELDS).first()
    if stored is not None:
        instance._was_active, instance._stored = stored[0], stored


def changes_staff_list(
    instance: User, created: bool, update_fields: Iterable[str] | None = None
) -> bool:
    """Whether a save of `instance` may change a list of active staff (who is in it, a name,
    an e-mail): customers' saves and sign-ins (`last_login` alone) do not. Without the stored
    row (a save of named fields, `is_active` not among them) a staff member's save counts."""
    if created:
        return instance.is_active and instance.is_desk_staff
    if update_fields is not None and not set(update_fields) & set(STAFF_LIST_FIELDS):
        return False
    stored = getattr(instance, "_stored", None)
    if stored is None:
        return instance.is_desk_staff or "role" in set(update_fields or ())
    now = tuple(getattr(instance, name) for name in STAFF_LIST_FIELDS)
    return now != stored and (instance.is_desk_staff or stored[1] in STAFF_ROLES)


@receiver(post_save, sender=User)
def _revoke_when_deactivated(sender: type[User], instance: User, **kwargs: Any) -> None:
    if getattr(instance, "_was_active", None) and not instance.is_active:
        with transaction.atomic():
            revoke_access(instance)
