"""Registering an incident and triaging it: fields, priority, team."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import Organisation, Team, User
from incidesk.automation import routing, triggers
from incidesk.automation.conditions import facts_of
from incidesk.catalog.models import Category, Level, Service
from incidesk.core.compiled import Prepared
from incidesk.core.errors import InvalidInput
from incidesk.core.promises import promise_all
from incidesk.core.text import MAX_TITLE_LENGTH, checked_line, checked_text, clean_line
from incidesk.incidents import timeline
from incidesk.incidents.access import require
from incidesk.incidents.actions._common import (
    _commit,
    _escalation,
    _final,
    _lock,
    _save,
    _take_due,
)
from incidesk.incidents.actions.customfields import values_for_new
from incidesk.incidents.actions.links import _link
from incidesk.incidents.models import Channel, Incident, Kind, LinkKind, NumberCounter
from incidesk.incidents.numbering import PREFIX, next_number, placeholder, writers_take_turns
from incidesk.incidents.search import index_incident, index_new_incident
from incidesk.notifications.dispatch import notification
from incidesk.sla import clocks, reference
from incidesk.sla.models import SlaClock


def do_create_incident(
    *,
    actor: User,
    title: str,
    description: str = "",
    kind: str = Kind.INCIDENT,
    impact: str = Level.MEDIUM,
    urgency: str = Level.MEDIUM,
    category: Category | None = None,
    service: Service | None = None,
    channel: str = Channel.PORTAL,
    reporter: User | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    organisation: Organisation | None = None,
    team: Team | None = None,
    follows: Incident | None = None,
    custom: Mapping[str, Any] | None = None,
) -> Incident:
    """Register an incident: number, matrix priority, SLA clocks, `created` event; the reporter
    is told.

    A customer always reports for themself, in their own organisation; staff register on behalf
    of a customer account or of a contact without one (an e-mail or phone is then required).
    `follows`: a closed or cancelled incident this complaint continues (the caller checked the
    actor may see it); the new one is linked to it as `follow_up_of`. `custom`: custom field
    values (`fields.values`; a customer sends only those they fill in); a surface that offers
    the fields passes a mapping, even empty, and gets the required-on-registration check, while
    those that offer no form (e-mail, split) pass None. The routing rules
    (`automation.routing`) may choose the team, the urgency and tags first; the decision is
    recorded and the team's automatic assignment promised in the same transaction.

    Registrations run side by side, so the part that must be serialised is kept short: what
    only reads or builds (the checks, the priority, the SLA policy, due times and first
    threshold checks, the `created` event) runs before the transaction, the incident is
    inserted under a placeholder number, and the number is taken
    last, a few statements before the commit (`numbering`; on SQLite, where one write
    transaction runs at a time whatever it locks, first). The returned incident carries its
    clocks, as `queries.reloaded` would.
    """
    contact_name, contact_phone = clean_line(contact_name), clean_line(contact_phone)
    contact_email = clean_line(contact_email).lower()
    reporter, organisation_id, team = _reported_by(
        actor, reporter, organisation, team, has_contact=bool(contact_email or contact_phone)
    )
    _require_in_use(category, service)
    custom_values = values_for_new(
        custom, kind=kind, category_id=category.pk if category else None, customer=actor.is_customer
    )
    now = timezone.now()
    ref = reference.current()  # matrix, policies, targets: one query while unchanged
    incident = Incident(
        number=placeholder(),
        kind=Kind(kind),
        title=checked_line("title", title, max_length=MAX_TITLE_LENGTH),
        description=checked_text("description", description, bounded=True),
        impact=Level(impact),
        urgency=Level(urgency),
        priority=ref.priority(impact, urgency),
        category=category,
        service=service,
        channel=Channel(channel),
        reporter=reporter,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        organisation_id=organisation_id,
        team=team,
        custom=custom_values,
        created_at=now,
        updated_at=now,
    )
    routed = routing.route(facts_of(incident), impact=impact, urgency=urgency, team=team, ref=ref)
    _take_routing(incident, routed)
    planned = clocks.plan(incident, ref)
    for column, due in clocks.due_columns(planned).items():
        setattr(incident, column, due)
    created = timeline.created(incident=incident, actor=actor)
    # Where writers take turns anyway, the number costs nothing to take first (and saves the
    # UPDATE); elsewhere the lock on the counter is held from the end of the work. The rows
    # are laid out for their INSERTs now, the keys and the number they wait for left `later`.
    number_first = writers_take_turns()
    incident_row = Prepared([incident], later=["number"] if number_first else [])
    clock_rows = Prepared(planned, later=["incident"])
    event_row = Prepared([created], later=["incident"])
    with transaction.atomic():
        if number_first:
            incident.number = next_number()
        incident_row.insert()
        checks = clocks.start(clock_rows)
        event_row.insert()
        events = [created]
        if follows is not None:
            events.append(_link(incident, follows, LinkKind.FOLLOW_UP_OF, actor))
        promised = routed.record(incident)
        promise_all(
            [
                *checks,
                notification([event.pk for event in events]),
                *promised,
                *triggers.promised(events, routed.listened),
            ]
        )
        if not number_first:
            incident.number = _number(incident)  # serialised from here to the commit
        index_new_incident(incident)
    _with_clocks(incident, planned)
    return incident


# PostgreSQL: the counter's UPDATE as a data-modifying CTE of the incident's, the number
# formatted as `next_number` formats it (six digits, or as many as it needs).
_DIGITS = "taken.last::text"
_NUMBER_SQL = (
    f"WITH taken AS (UPDATE {NumberCounter._meta.db_table} SET last = last + 1 "  # noqa: S608  the models' own tables; values are parameters
    "WHERE prefix = %s RETURNING last) "
    f"UPDATE {Incident._meta.db_table} SET number = %s || "
    f"lpad({_DIGITS}, greatest(6, length({_DIGITS})), '0') "
    f"FROM taken WHERE {Incident._meta.db_table}.id = %s RETURNING number"
)


def _number(incident: Incident) -> str:
    """Take the next number and write it onto `incident`, inserted under its placeholder in this
    transaction, in one statement. Each statement costs a web worker about 90 µs of CPU on
    PostgreSQL, and this one replaces two (the counter's, and an ORM UPDATE compiled each
    time). The counter row stays locked until the commit, as with `next_number`."""
    with connection.cursor() as cursor:
        cursor.execute(_NUMBER_SQL, [PREFIX, f"{PREFIX}-", incident.pk])
        row = cursor.fetchone()
    if row is not None:
        return str(row[0])
    number = next_number()  # the first record with this prefix
    Incident.objects.filter(pk=incident.pk).update(number=number)
    return number


def _take_routing(incident: Incident, routed: routing.Routed) -> None:
    """The routing rules' team, urgency (for their priority, through the matrix) and tags, onto
    the incident before it is inserted."""
    if routed.team is not None:
        incident.team = routed.team
    if routed.urgency is not None and routed.priority is not None:
        incident.urgency, incident.priority = Level(routed.urgency), routed.priority
    incident.tags = routed.tags


def _reported_by(
    actor: User,
    reporter: User | None,
    organisation: Organisation | None,
    team: Team | None,
    *,
    has_contact: bool,
) -> tuple[User | None, int | None, Team | None]:
    """Who the incident is reported by, for which organisation, and the team asked for: a
    customer always reports for themself, in their own organisation, and chooses no team."""
    if actor.is_customer:
        return actor, actor.organisation_id, None
    if reporter is not None and not reporter.is_customer:
        raise InvalidInput.field("reporter", _("The reporter must be a customer."))
    if reporter is None and not has_contact:
        raise InvalidInput.field(
            "contact_email", _("Give a reporter account, or a contact e-mail or phone.")
        )
    organisation_id = organisation.pk if organisation is not None else None
    if reporter is not None and organisation_id is None:
        organisation_id = reporter.organisation_id
    return reporter, organisation_id, team


def _require_in_use(category: Category | None, service: Service | None) -> None:
    if category is not None and not category.is_active:
        raise InvalidInput.field("category", _("This category is no longer in use."))
    if service is not None and not service.is_active:
        raise InvalidInput.field("service", _("This service is no longer in use."))


def _with_clocks(incident: Incident, started: list[SlaClock]) -> None:
    """Leave the clocks on the incident as `prefetch_related("sla_clocks")` would (Django's
    own prefetch does the same), so the caller's response needs no second look-up."""
    cached = incident.sla_clocks.all()
    # Django's private prefetch cache, set as `prefetch_related_objects` sets it.
    cached._result_cache, cached._prefetch_done = started, True  # type: ignore[attr-defined]
    incident._prefetched_objects_cache = {"sla_clocks": cached}  # type: ignore[attr-defined]


EDITABLE_FIELDS = (
    "title",
    "description",
    "kind",
    "impact",
    "urgency",
    "category",
    "service",
    "cause",
    "is_major",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def _plain(value: Any) -> Any:
    """A timeline-safe form of a field value: reference data by code."""
    return getattr(value, "code", value)


@transaction.atomic
def do_update_incident(  # noqa: C901  one branch per editable field, read as a table
    incident: Incident, *, actor: User, expected_version: int | None = None, **changes: Any
) -> Incident:
    """Change classification fields (verification/triage). Impact or urgency recompute the
    priority from the matrix unless a manager has overridden it. One event per changed field."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], _("This field cannot be changed."))
    require(actor, "edit", incident)
    incident = _lock(incident, expected_version)
    if incident.is_final:
        raise _final(incident)
    if "title" in changes:
        changes["title"] = checked_line("title", changes["title"], max_length=MAX_TITLE_LENGTH)
    if "description" in changes:
        changes["description"] = checked_text("description", changes["description"], bounded=True)
    for field in ("contact_name", "contact_email", "contact_phone"):
        if field in changes:
            changes[field] = clean_line(changes[field])
    events, fields = [], []
    for field, new in changes.items():
        old = getattr(incident, field)
        if old == new:
            continue
        setattr(incident, field, new)
        fields.append(field)
        events.append(
            timeline.record_field_changed(
                incident=incident, actor=actor, field=field, old=_plain(old), new=_plain(new)
            )
        )
    if {"impact", "urgency"} & set(fields) and not incident.priority_overridden:
        old_priority = incident.priority
        incident.priority = reference.current().priority(incident.impact, incident.urgency)
        if incident.priority != old_priority:
            fields.append("priority")
            events.append(
                timeline.record_field_changed(
                    incident=incident,
                    actor=actor,
                    field="priority",
                    old=old_priority,
                    new=incident.priority,
                )
            )
            clock_changes = clocks.priority_changed(
                incident, at=timezone.now(), actor=actor, old=old_priority
            )
            _take_due(incident, clock_changes)
            events += clock_changes.events
    if fields:
        _save(incident, fields)
        if {"title", "description"} & set(fields):
            index_incident(incident)
        _commit(events + _escalation(incident, events))
    return incident


@transaction.atomic
def do_override_priority(
    incident: Incident,
    *,
    actor: User | None,
    priority: int,
    reason: str,
    expected_version: int | None = None,
) -> Incident:
    """Set the priority against the matrix. Leads and admins only, always with a reason;
    `actor=None` is the system (a trigger, its rule the reason)."""
    if actor is not None:
        require(actor, "override_priority", incident)
    reason = checked_text("priority_reason", reason, required=True)
    if priority not in range(1, 6):
        raise InvalidInput.field("priority", _("Priority is a number from 1 to 5."))
    incident = _lock(incident, expected_version)
    if incident.is_final:
        raise _final(incident)
    old = incident.priority
    incident.priority, incident.priority_overridden = priority, True
    event = timeline.record_priority_overridden(
        incident=incident, actor=actor, old=old, new=priority, reason=reason
    )
    changes = clocks.priority_changed(incident, at=timezone.now(), actor=actor, old=old)
    _take_due(incident, changes)
    events = [event, *changes.events]
    _save(incident, ["priority", "priority_overridden"])
    _commit(events + _escalation(incident, events))
    return incident
