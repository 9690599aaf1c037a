"""Who sees and who edits a macro: the one rule every page, the admin list and the API read.

Desk staff see their own personal macros, the desk-wide ones and those of the teams they belong
to or lead (an admin: every team's). Customers see none. A personal macro is its owner's alone to
edit; shared ones are edited by admins, and by leads for the desk and for their own teams. Built
like `incidents.access`: a macro the user may not see is `NotFound`, exactly like a missing one;
one they see but may not edit is `Forbidden`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Role, Team, User
from incidesk.core.errors import Forbidden, NotFound
from incidesk.macros.models import Macro, Scope

Need = Literal["use", "edit"]


def my_teams(user: User) -> QuerySet[Team]:
    """The teams whose shared macros `user` uses: those they are in or lead (all, for admins)."""
    if user.role == Role.ADMIN:
        return Team.objects.all()
    return Team.objects.filter(Q(members=user) | Q(lead=user)).distinct()


def visible_macros(user: User) -> QuerySet[Macro]:
    """Every macro `user` may see and apply, by name."""
    if not (user.is_active and user.is_desk_staff):
        return Macro.objects.none()
    team_ids = my_teams(user).values("pk")
    return Macro.objects.filter(
        Q(scope=Scope.PERSONAL, owner=user)
        | Q(scope=Scope.DESK)
        | Q(scope=Scope.TEAM, for_team__in=team_ids)
    ).select_related("for_team")


def may_share(user: User) -> bool:
    """Leads and admins write shared macros; agents only their own."""
    return user.is_active and user.is_manager


def editor(user: User) -> Callable[[Macro], bool]:
    """`can_edit` for many macros: the user's teams are read once (lists ask it per row)."""
    team_ids = set(my_teams(user).values_list("pk", flat=True)) if may_share(user) else set()

    def can(macro: Macro) -> bool:
        if macro.scope == Scope.PERSONAL:
            return macro.owner_id == user.pk
        if not may_share(user):
            return False
        return macro.scope == Scope.DESK or macro.for_team_id in team_ids

    return can


def can_edit(user: User, macro: Macro) -> bool:
    """Whether `user` may change or delete `macro` (who may see it is `visible_macros`)."""
    return editor(user)(macro)


def access_macro(user: User, pk: int, need: Need = "use") -> Macro:
    """The macro `pk` if `user` may `need` it: NotFound if missing or not theirs to see,
    Forbidden if seen but not theirs to edit."""
    # With what a preview and an application read, in the same query.
    macro = (
        visible_macros(user)
        .select_related(
            "set_category", "set_service", "set_team", "hold_reason", "cause", "resolution_code"
        )
        .filter(pk=pk)
        .first()
    )
    if macro is None:
        raise NotFound(_("Macro %(id)s was not found.") % {"id": pk})
    if need == "edit" and not can_edit(user, macro):
        raise Forbidden(_("Only leads and admins may change a shared macro."))
    return macro
