"""Provenance of the changes a macro made: the macro's steps are ordinary actions, each with its
own events; this one records, after them and in their transaction, which macro they came from."""

from __future__ import annotations

from django.db import transaction

from incidesk.accounts.models import User
from incidesk.incidents import timeline
from incidesk.incidents.actions._common import _lock
from incidesk.incidents.models import Incident, TimelineEvent


@transaction.atomic
def do_record_macro(
    incident: Incident, *, actor: User, macro_id: int, name: str, events: list[int]
) -> TimelineEvent:
    """An internal `macro_applied` event naming the macro and the events its steps recorded.
    Nobody is notified of it: the steps' own events told whoever they concern. It changes no
    field, so the version stays where the steps left it."""
    incident = _lock(incident)
    return timeline.record_macro_applied(
        incident=incident, actor=actor, macro_id=macro_id, name=name, events=events
    )
