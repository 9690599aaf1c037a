"""Custom field values: setting them on an incident (the desk's edit), and the checks that
registration and resolution make (`fields.values` does the checking itself)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from incidesk.accounts.models import User
from incidesk.fields import definitions
from incidesk.fields.values import checked, error_key, merged, require_filled
from incidesk.incidents import timeline
from incidesk.incidents.access import require
from incidesk.incidents.actions._common import _commit, _final, _lock, _save
from incidesk.incidents.models import Incident


@transaction.atomic
def do_set_custom_fields(
    incident: Incident,
    *,
    actor: User,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> Incident:
    """Set (or, with an empty value, clear) custom field values: desk staff only. One
    `field_changed` event per changed field (`custom.<code>`), public when customers see it.
    Values not sent stay as stored."""
    require(actor, "edit", incident)
    incident = _lock(incident, expected_version)
    if incident.is_final:
        raise _final(incident)
    changes = checked(
        values,
        definitions.current(),
        kind=incident.kind,
        category_id=incident.category_id,
        customer=False,
    )
    new = merged(incident.custom, changes)
    events = [
        timeline.record_field_changed(
            incident=incident,
            actor=actor,
            field=error_key(code),
            old=incident.custom.get(code),
            new=new.get(code),
        )
        for code in changes
        if incident.custom.get(code) != new.get(code)
    ]
    if events:
        incident.custom = new
        _save(incident, ["custom"])
        _commit(events)
    return incident


def values_for_new(
    values: Mapping[str, Any] | None, *, kind: str, category_id: int | None, customer: bool
) -> dict[str, Any]:
    """The custom values a registration stores: checked (a customer only sends fields they fill
    in), and, when the surface offers the fields (`values` is not None), every field required on
    registration that the actor may fill has one. The portal's report without an account
    checks its values here before it waits for confirmation."""
    if values is None:
        return {}
    known = definitions.current()
    stored = merged(
        {},
        checked(values or {}, known, kind=kind, category_id=category_id, customer=customer),
    )
    required = [
        d
        for d in known.active_for(kind, category_id)
        if d.required_on_create and (d.customer_fillable or not customer)
    ]
    require_filled(stored, required, _("Fill in the required fields: %(labels)s."))
    return stored


def require_for_resolve(incident: Incident) -> None:
    """Refuse to resolve while a field required on resolution has no value, naming them."""
    required = [
        d
        for d in definitions.current().active_for(incident.kind, incident.category_id)
        if d.required_on_resolve
    ]
    require_filled(
        incident.custom,
        required,
        _("Fill in these fields to resolve: %(labels)s."),
        _("Fill this in to resolve the incident."),
    )
