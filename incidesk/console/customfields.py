"""Custom fields in the console's forms: one form field per definition that applies to the
incident, named `custom.<code>` as the actions name their errors, so a refusal lands next to
its field. The forms only carry values; `fields.values` (through the actions) checks them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from incidesk.accounts.models import User
from incidesk.fields import definitions
from incidesk.fields.definitions import Definition
from incidesk.fields.forms import form_field, initial_value, submitted_value
from incidesk.fields.values import error_key
from incidesk.incidents import actions
from incidesk.incidents.models import Incident


def applicable(incident: Incident) -> tuple[Definition, ...]:
    """The active definitions for `incident`, read once per incident object (its forms and its
    details panel share them: one query per page)."""
    cached: tuple[Definition, ...] | None = getattr(incident, "_custom_definitions", None)
    if cached is None:
        cached = definitions.current().active_for(incident.kind, incident.category_id)
        incident._custom_definitions = cached  # type: ignore[attr-defined]
    return cached


def shown_values(incident: Incident) -> list[tuple[str, str]]:
    """(label, value in words) of every stored value, retired fields included, for the desk."""
    return definitions.current().described(incident.custom) if incident.custom else []


class CustomFieldsMixin:
    """A console form that carries custom field values; `only_required_to_resolve`: the resolve
    form shows just those."""

    only_required_to_resolve = False
    fields: dict[str, forms.Field]
    initial: dict[str, Any]
    cleaned_data: dict[str, Any]

    def fit(self, incident: Incident) -> None:
        """Add the fields of the definitions that apply to `incident`, with its values."""
        self.custom = [
            d
            for d in applicable(incident)
            if d.required_on_resolve or not self.only_required_to_resolve
        ]
        for definition in self.custom:
            field = form_field(
                definition,
                incident.custom.get(definition.code),
                _("Required to resolve.") if definition.required_on_resolve else "",
            )
            name = error_key(definition.code)
            self.fields[name] = field
            self.initial.setdefault(
                name, initial_value(definition, incident.custom.get(definition.code))
            )

    def perform(self, incident: Incident, actor: User) -> Incident:
        """Set what the agent changed (the custom fields section's action)."""
        return actions.do_set_custom_fields(
            incident,
            actor=actor,
            values=self.custom_values(),
            expected_version=self.cleaned_data["version"],
        )

    def custom_values(self) -> dict[str, Any]:
        """What the agent changed, as `fields.values` takes it (empty clears). Unchanged values
        are not sent: a stored value of a since removed choice stays as it is."""
        values: dict[str, Any] = {}
        changed = set(self.changed_data)  # type: ignore[attr-defined]
        for definition in getattr(self, "custom", []):
            if error_key(definition.code) not in changed:
                continue
            value = self.cleaned_data.get(error_key(definition.code))
            values[definition.code] = submitted_value(definition, value)
        return values


def fit(form: Any, incident: Incident) -> None:
    """Give a custom-field form the incident's fields (the views build forms before they have
    the incident at hand)."""
    if isinstance(form, CustomFieldsMixin):
        form.fit(incident)
