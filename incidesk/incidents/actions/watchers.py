"""Who else hears of an incident: customers' colleagues, people copied on its e-mail, and
agents who follow it (`Watcher`).

Watching is about the incident's audience, not its record: it neither bumps `version` (an
agent's open form stays valid when a colleague starts following) nor notifies anyone. The row
lock still serialises it, so the per-incident limit holds under concurrent adds.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.contacts import contact_for
from incidesk.accounts.models import User
from incidesk.core.errors import Forbidden, InvalidInput
from incidesk.incidents import timeline
from incidesk.incidents.access import require
from incidesk.incidents.actions._common import _commit, _final, _lock
from incidesk.incidents.models import MAX_WATCHERS, Incident, Watcher, WatcherSource


def _may_be_added(incident: Incident, actor: User | None, person: User, source: str) -> None:
    """Refuse a watcher the source does not allow: a follower follows for themselves (or the
    system, a trigger, has an agent follow); a customer adds only people of the incident's
    organisation unless it allows any address."""
    if not person.is_active:
        raise InvalidInput.field("email", _("This person's account is deactivated."))
    if person.pk == incident.reporter_id:
        raise InvalidInput.field("email", _("The reporter already receives this incident's mail."))
    if actor is None:
        if source != WatcherSource.FOLLOW or not person.is_desk_staff:
            raise InvalidInput.field("email", _("The system only has agents follow incidents."))
        return
    if source == WatcherSource.FOLLOW:
        require(actor, "follow", incident)
        if person.pk != actor.pk:
            raise Forbidden(_("Agents follow incidents for themselves."))
        return
    if person.is_desk_staff:
        raise InvalidInput.field("email", _("Support staff follow incidents themselves."))
    if source == WatcherSource.CC:
        return  # the sender copied them on the mail: they have read it already
    require(actor, "manage_watchers", incident)
    organisation = incident.organisation
    same = organisation is not None and person.organisation_id == organisation.pk
    if not same and not (organisation is not None and organisation.watchers_any_address):
        raise InvalidInput.field("email", _("Only colleagues from your organisation can be added."))


def _person_for(incident: Incident, email: str) -> User:
    """The person behind `email` who may be added: a member of the incident's organisation, or,
    where the organisation allows any address, anyone (a new address becoming a contact). The
    refusal is the same whether the address has an account or not, so it tells nobody who has
    one."""
    organisation = incident.organisation
    if organisation is None:
        raise InvalidInput.field("email", _("Only colleagues from your organisation can be added."))
    member = User.objects.filter(
        email__iexact=email.strip(), organisation=organisation, is_active=True
    ).first()
    if member is not None:
        return member
    if not organisation.watchers_any_address:
        raise InvalidInput.field("email", _("Only colleagues from your organisation can be added."))
    return contact_for(email)


@transaction.atomic
def do_add_watcher(incident: Incident, *, actor: User | None, person: User, source: str) -> Watcher:
    """Let `person` watch `incident`: they get its mail meant for customers (or, an agent who
    follows, the desk's), see it as the reporter does and may reply, but use none of the
    reporter's verbs. Adding someone who already watches returns their row unchanged.
    At most `MAX_WATCHERS` per incident; never on a closed or cancelled one. `actor=None` is
    the system (a trigger), which has an agent follow."""
    source = WatcherSource(source)
    _may_be_added(incident, actor, person, source)
    incident = _lock(incident)
    existing = Watcher.objects.filter(incident=incident, person=person).first()
    if existing is not None:
        return existing
    if incident.is_final and source != WatcherSource.FOLLOW:
        raise _final(incident)
    if Watcher.objects.filter(incident=incident).count() >= MAX_WATCHERS:
        raise InvalidInput.field(
            "email", _("An incident can have at most %(n)d watchers.") % {"n": MAX_WATCHERS}
        )
    watcher = Watcher.objects.create(
        incident=incident, person=person, source=source, added_by=actor
    )
    _commit(
        [
            timeline.record_watcher_added(
                incident=incident, actor=actor, person=person, source=source
            )
        ]
    )
    return watcher


@transaction.atomic
def do_add_watcher_by_address(incident: Incident, *, actor: User, email: str) -> Watcher:
    """Add the colleague at `email` for the reporter or the desk (`manage_watchers`), by the
    organisation's rule (`_person_for`): the portal's, the console's and the API's one way.
    An agent giving their own address follows the incident."""
    if actor.is_desk_staff and email.strip().lower() == actor.email.lower():
        return do_add_watcher(incident, actor=actor, person=actor, source=WatcherSource.FOLLOW)
    require(actor, "manage_watchers", incident)  # before the address is looked at
    source = WatcherSource.DESK if actor.is_desk_staff else WatcherSource.PORTAL
    return do_add_watcher(incident, actor=actor, person=_person_for(incident, email), source=source)


@transaction.atomic
def do_remove_watcher(incident: Incident, *, actor: User, person: User) -> None:
    """Stop `person` watching: for themselves, the reporter or the desk. Removing someone who
    does not watch changes nothing."""
    if person.pk != actor.pk:
        require(actor, "manage_watchers", incident)
    incident = _lock(incident)
    removed, _rows = Watcher.objects.filter(incident=incident, person=person).delete()
    if removed:
        _commit([timeline.record_watcher_removed(incident=incident, actor=actor, person=person)])
