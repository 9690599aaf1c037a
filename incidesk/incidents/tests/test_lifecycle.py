"""The state machine: every verb from every status, allowed or refused, through the actions."""

from collections.abc import Callable

import pytest
from django.db import transaction

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.catalog.models import Cause, HoldReason, ResolutionCode
from incidesk.core.errors import Forbidden, InvalidInput, InvalidTransition
from incidesk.incidents import actions
from incidesk.incidents.models import Comment, EventKind, Incident, TimelineEvent
from incidesk.incidents.status import TRANSITIONS, VERBS, Status, allowed_verbs
from incidesk.incidents.tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _use(verb: str, incident: Incident, actor) -> Incident:
    """Use `verb` as `actor`, with input that is valid whoever sends it."""
    calls: dict[str, Callable[[], Incident]] = {
        "accept": lambda: actions.do_accept(incident, actor=actor),
        "assign": lambda: actions.do_assign(incident, actor=actor, assignee=actor),
        "hold": lambda: actions.do_hold(
            incident, actor=actor, reason=HoldReason.objects.get(code="awaiting_vendor")
        ),
        "request-info": lambda: actions.do_request_info(
            incident, actor=actor, message="Пришлите снимок экрана"
        ),
        "resume": lambda: actions.do_resume(incident, actor=actor),
        "resolve": lambda: actions.do_resolve(
            incident,
            actor=actor,
            cause=Cause.objects.get(code="software_error"),
            resolution_code=ResolutionCode.objects.get(code="fixed"),
            notes="Обновили драйвер.",
        ),
        "confirm": lambda: actions.do_confirm(incident, actor=actor),
        "reopen": lambda: actions.do_reopen(incident, actor=actor, reason="Снова"),
        "close": lambda: actions.do_close(incident, actor=actor),
        "cancel": lambda: actions.do_cancel(incident, actor=actor, reason="Дубликат"),
        "link": lambda: actions.do_link(
            incident, actor=actor, target=make_incident(), kind="related"
        ),
        "rate": lambda: actions.do_rate(incident, actor=actor, rating=5),
        "merge": lambda: actions.do_merge(incident, actor=actor, target=make_incident()),
        "unmerge": lambda: actions.do_unmerge(incident, actor=actor),
        "split": lambda: _split(incident, actor),
    }
    return calls[verb]()


def _split(incident: Incident, actor) -> Incident:
    """Split a comment out; the verb leaves the incident itself in its status."""
    comment = Comment.objects.create(incident=incident, body="Ещё и сканер не работает")
    actions.do_split(incident, actor=actor, comment=comment, title="Сканер")
    return Incident.objects.get(pk=incident.pk)


# The customer's verbs: only the reporter may use them.
REPORTER_VERBS = {"confirm", "reopen", "rate"}


def _apply(verb: str, incident: Incident, agent) -> Incident:
    """Use `verb` the way a person with the right to it would."""
    return _use(verb, incident, incident.reporter if verb in REPORTER_VERBS else agent)


def test_every_verb_follows_the_transition_table():
    for verb in VERBS.values():
        for source in verb.sources:
            target = verb.next_status(source)
            assert target == source or target in TRANSITIONS[source], (verb.name, source)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("verb", list(VERBS))
def test_verb_from_status(status: Status, verb: str):
    agent = LeadFactory()
    incident = make_incident(status, agent=agent)
    events_before = TimelineEvent.objects.filter(incident=incident).count()
    if status in VERBS[verb].sources and VERBS[verb].failed_guard(incident) is None:
        result = _apply(verb, incident, agent)
        expected = VERBS[verb].next_status(status)
        assert result.status == expected
        assert Incident.objects.get(pk=incident.pk).status == expected
        assert TimelineEvent.objects.filter(incident=incident).count() > events_before
    else:
        with pytest.raises(InvalidTransition) as refused:
            _apply(verb, incident, agent)
        assert refused.value.extra["status"] == status
        assert refused.value.extra["allowed"] == sorted(TRANSITIONS[status])
        assert Incident.objects.get(pk=incident.pk).status == status
        assert TimelineEvent.objects.filter(incident=incident).count() == events_before


def test_refusal_names_current_status_and_allowed_next(settings):
    settings.LANGUAGE_CODE = "en"
    incident = make_incident(Status.CLOSED)
    with pytest.raises(InvalidTransition) as refused:
        actions.do_accept(incident, actor=AgentFactory())
    message = str(refused.value)
    assert "Closed" in message
    assert incident.number in message


def test_customer_reply_to_information_request_resumes_work():
    incident = make_incident(Status.ON_HOLD)
    assert incident.hold_reason.code == HoldReason.AWAITING_CUSTOMER
    actions.do_add_comment(incident, actor=incident.reporter, body="Модель HP LaserJet 1020")
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    assert incident.hold_reason is None
    last = incident.events.order_by("-id").first()
    # The system moves it, after the customer's answer: the customer changed no status.
    assert (last.kind, last.data["new"], last.actor, last.data["answered"]) == (
        EventKind.STATUS_CHANGED,
        Status.IN_PROGRESS,
        None,
        True,
    )


def test_customer_reply_does_not_resume_other_holds():
    agent = AgentFactory()
    incident = make_incident(Status.IN_PROGRESS, agent=agent)
    incident = actions.do_hold(
        incident, actor=agent, reason=HoldReason.objects.get(code="awaiting_vendor")
    )
    actions.do_add_comment(incident, actor=incident.reporter, body="Когда починят?")
    incident.refresh_from_db()
    assert incident.status == Status.ON_HOLD


def test_reopen_is_counted_and_clears_resolution_time():
    incident = make_incident(Status.RESOLVED)
    assert incident.resolved_at is not None
    incident = actions.do_reopen(incident, actor=incident.reporter, reason="Опять не печатает")
    assert (incident.status, incident.reopen_count, incident.resolved_at) == (
        Status.IN_PROGRESS,
        1,
        None,
    )


def test_cancel_as_duplicate_points_to_original():
    original = make_incident()
    duplicate = make_incident()
    duplicate = actions.do_cancel(
        duplicate, actor=AgentFactory(), reason="Дубликат", duplicate_of=original
    )
    assert duplicate.duplicate_of == original
    assert duplicate.links_out.get().target == original


def test_customer_rates_a_closed_incident_once():
    incident = make_incident(Status.CLOSED)
    incident = actions.do_rate(incident, actor=incident.reporter, rating=4, comment=" Быстро ")
    assert (incident.satisfaction, incident.satisfaction_comment) == (4, "Быстро")
    assert incident.rated_at is not None
    event = incident.events.order_by("-id").first()
    assert (event.kind, event.data, event.is_public) == (EventKind.RATED, {"rating": 4}, True)
    assert "rate" not in {verb.name for verb in allowed_verbs(incident, incident.reporter)}
    with pytest.raises(InvalidTransition) as again:
        actions.do_rate(incident, actor=incident.reporter, rating=1)
    assert again.value.extra == {"status": Status.CLOSED, "allowed": [], "guard": "rate_once"}
    incident.refresh_from_db()
    assert incident.satisfaction == 4


@pytest.mark.parametrize("rating", [0, 6, "5"])
def test_rating_outside_one_to_five_is_refused(rating):
    incident = make_incident(Status.CLOSED)
    with pytest.raises(InvalidInput):
        actions.do_rate(incident, actor=incident.reporter, rating=rating)
    incident.refresh_from_db()
    assert incident.satisfaction is None


def test_only_the_reporter_rates():
    incident = make_incident(Status.CLOSED)
    with pytest.raises(Forbidden):
        actions.do_rate(incident, actor=AgentFactory(), rating=5)


def test_the_transition_table_is_derived_from_the_verbs():
    expected = {
        Status.NEW: {Status.IN_PROGRESS, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.ON_HOLD, Status.RESOLVED, Status.CANCELLED},
        Status.ON_HOLD: {Status.IN_PROGRESS, Status.CANCELLED},
        Status.RESOLVED: {Status.CLOSED, Status.IN_PROGRESS},
        Status.CLOSED: set(),
        # Only a merge, within its undo window (the `merge_undoable` guard).
        Status.CANCELLED: {Status.IN_PROGRESS},
    }
    assert expected == TRANSITIONS


class _Undo(Exception):
    """Rolls back a verb tried only to see whether it is refused."""


def _refused(verb: str, incident: Incident, actor) -> bool:
    """Whether the state machine refuses the verb. The input is valid, so any other error
    (an `InvalidInput`) is a refusal the buttons cannot know of: the test fails on it."""
    try:
        with transaction.atomic():
            _use(verb, incident, actor)
            raise _Undo
    except (Forbidden, InvalidTransition):
        return True
    except _Undo:
        return False


_STATES = [(status, False) for status in Status] + [(Status.CLOSED, True)]


@pytest.mark.parametrize("role", ["reporter", "colleague", "agent", "lead"])
@pytest.mark.parametrize(("status", "rated"), _STATES)
def test_a_verb_is_offered_exactly_when_its_action_accepts_it(status, rated, role):
    """For every verb, role, status and guard state: offered by `allowed_verbs` (the buttons,
    the API's `allowed_actions`) if and only if the action does not refuse it."""
    agent = AgentFactory()
    incident = make_incident(status, agent=agent)
    if rated:
        incident = actions.do_rate(incident, actor=incident.reporter, rating=3)
    actor = {
        "reporter": incident.reporter,
        "colleague": CustomerFactory(organisation=incident.reporter.organisation),
        "agent": agent,
        "lead": LeadFactory(),
    }[role]
    offered = {verb.name for verb in allowed_verbs(incident, actor)}
    accepted = {verb for verb in VERBS if not _refused(verb, incident, actor)}
    assert offered == accepted
