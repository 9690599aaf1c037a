"""Moving a routing rule or a trigger one place up or down in its list, for the console."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from incidesk.automation import rules
from incidesk.automation.models import RoutingRule, Trigger
from incidesk.core.generations import bump

# Orders given when a list is renumbered after a move: room to slot one in by hand.
ORDER_STEP = 10
STEPS = {"up": -1, "down": 1}


@transaction.atomic
def move(model: type[RoutingRule] | type[Trigger], pk: int, step: int) -> None:
    """Swap the row with its neighbour and number the list again 10, 20, 30… (only the rows
    whose order changed are written). Raises 404 for a row deleted meanwhile."""
    ordered: list[Any] = list(model._default_manager.select_for_update())
    place = next((i for i, row in enumerate(ordered) if row.pk == pk), None)
    if place is None:
        raise Http404(_("This rule was not found."))
    other = place + step
    if 0 <= other < len(ordered):
        ordered[place], ordered[other] = ordered[other], ordered[place]
    moved = [row for n, row in enumerate(ordered, 1) if row.order != n * ORDER_STEP]
    for n, row in enumerate(ordered, 1):
        row.order = n * ORDER_STEP
    model._default_manager.bulk_update(moved, ["order"])
    bump(rules.GENERATION)  # no save signals from a bulk update
