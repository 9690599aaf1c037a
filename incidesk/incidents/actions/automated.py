"""What only the automation does to an incident: add tags, and send desk staff a notice. Both
are the system's (`actor=None`, a trigger's rule named on the timeline by `automation.firing`)."""

from __future__ import annotations

from django.db import transaction

from incidesk.accounts.models import User
from incidesk.core.text import clean_line, clean_text
from incidesk.incidents import timeline
from incidesk.incidents.actions._common import _commit, _final, _lock, _save
from incidesk.incidents.models import Incident


@transaction.atomic
def do_add_tags(incident: Incident, *, tags: list[str]) -> Incident:
    """Add the tags the incident lacks (kept in order, none twice); one event if any is new.
    Never on a closed or cancelled incident."""
    incident = _lock(incident)
    if incident.is_final:
        raise _final(incident)
    old = list(incident.tags or [])
    new = list(dict.fromkeys([*old, *(clean_line(tag) for tag in tags if clean_line(tag))]))
    if new == old:
        return incident
    incident.tags = new
    event = timeline.record_field_changed(
        incident=incident, actor=None, field="tags", old=old, new=new
    )
    _save(incident, ["tags"])
    _commit([event])
    return incident


@transaction.atomic
def do_notify(incident: Incident, *, people: list[User], text: str) -> list[User]:
    """Tell active desk staff about the incident (the notifications' in-app list and e-mail,
    delivered by the same promised task as every event's, once per person). Customers are
    told by a public reply instead. Returns who is told; nobody: no event."""
    told = list({p.pk: p for p in people if p.is_active and p.is_desk_staff}.values())
    if not told or not clean_text(text).strip():
        return []
    incident = _lock(incident)
    event = timeline.record_notified(
        incident=incident, people=[p.email for p in told], text=clean_text(text)
    )
    _commit([event])
    return told
