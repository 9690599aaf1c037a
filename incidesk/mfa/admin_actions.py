"""The admin action on people that resets their second factor (recorded by `devices.reset`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidesk.accounts.models import User
from incidesk.mfa.devices import reset


@admin.action(description=gettext_lazy("Reset two-factor sign-in (lost device)"))
def reset_second_factor(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    actor = request.user
    if not isinstance(actor, User):  # the admin has signed in: never the case
        raise PermissionDenied
    people = list(queryset)
    for person in people:
        reset(person, actor=actor)
    modeladmin.message_user(
        request,
        _("Two-factor sign-in reset for: %(people)s.")
        % {"people": ", ".join(person.email for person in people)},
        messages.SUCCESS,
    )
