"""Every problem verb from every status, for every kind of actor: allowed or refused."""

import pytest
from django.db import transaction

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, LeadFactory
from incidesk.core.errors import Forbidden, InvalidTransition
from incidesk.problems import actions
from incidesk.problems.models import Problem
from incidesk.problems.status import TRANSITIONS, VERBS, ProblemStatus, allowed_verbs
from incidesk.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db

DO = {
    "known-error": lambda problem, actor: actions.do_mark_known_error(
        problem, actor=actor, workaround="Переподключиться"
    ),
    "resolve": lambda problem, actor: actions.do_resolve_problem(problem, actor=actor),
    "reopen": lambda problem, actor: actions.do_reopen_problem(problem, actor=actor),
    "close": lambda problem, actor: actions.do_close_problem(problem, actor=actor),
}


def _in_status(status: ProblemStatus, owner) -> Problem:
    """A problem driven to `status` by its owner through the real actions."""
    problem = make_problem(actor=owner, root_cause="Таймаут на шлюзе")
    path = {
        ProblemStatus.OPEN: [],
        ProblemStatus.KNOWN_ERROR: ["known-error"],
        ProblemStatus.RESOLVED: ["resolve"],
        ProblemStatus.CLOSED: ["resolve", "close"],
    }[status]
    for verb in path:
        problem = DO[verb](problem, owner)
    assert problem.status == status
    return problem


def test_every_verb_has_an_action_and_every_target_is_a_transition():
    assert set(DO) == set(VERBS)
    for verb in VERBS.values():
        for source in verb.sources:
            assert verb.target in TRANSITIONS[source]


@pytest.mark.parametrize("status", list(ProblemStatus))
@pytest.mark.parametrize("verb", list(VERBS))
def test_owner_may_use_a_verb_exactly_from_its_sources(status, verb):
    owner = AgentFactory()
    problem = _in_status(status, owner)
    if status in VERBS[verb].sources:
        assert DO[verb](problem, owner).status == VERBS[verb].target
        changed = problem.events.filter(kind="status_changed").last()
        assert changed is not None and changed.data["new"] == VERBS[verb].target
    else:
        with pytest.raises(InvalidTransition) as refused:
            DO[verb](problem, owner)
        assert refused.value.extra["status"] == status


def test_resolve_reopen_and_close_are_for_the_owner_or_a_manager():
    problem = _in_status(ProblemStatus.OPEN, AgentFactory())
    other_agent, lead = AgentFactory(), LeadFactory()
    assert [v.name for v in allowed_verbs(problem, other_agent)] == ["known-error"]
    assert [v.name for v in allowed_verbs(problem, lead)] == ["known-error", "resolve"]
    with pytest.raises(Forbidden):
        actions.do_resolve_problem(problem, actor=other_agent)
    assert actions.do_resolve_problem(problem, actor=lead).status == ProblemStatus.RESOLVED


def test_customers_may_use_no_verb():
    problem = _in_status(ProblemStatus.OPEN, AgentFactory())
    customer = CustomerFactory()
    assert allowed_verbs(problem, customer) == []
    with pytest.raises(Forbidden):
        actions.do_mark_known_error(problem, actor=customer, workaround="x")


def test_the_transition_table_is_derived_from_the_verbs():
    expected = {
        ProblemStatus.OPEN: {ProblemStatus.KNOWN_ERROR, ProblemStatus.RESOLVED},
        ProblemStatus.KNOWN_ERROR: {ProblemStatus.RESOLVED},
        ProblemStatus.RESOLVED: {ProblemStatus.CLOSED, ProblemStatus.OPEN},
        ProblemStatus.CLOSED: set(),
    }
    assert expected == TRANSITIONS


class _Undo(Exception):
    """Rolls back a verb tried only to see whether it is refused."""


def _refused(verb: str, problem: Problem, actor) -> bool:
    """Whether the state machine refuses the verb. The input is valid, so any other error is a
    refusal the buttons cannot know of: the test fails on it."""
    try:
        with transaction.atomic():
            DO[verb](problem, actor)
            raise _Undo
    except (Forbidden, InvalidTransition):
        return True
    except _Undo:
        return False


@pytest.mark.parametrize("role", ["customer", "agent", "owner", "lead"])
@pytest.mark.parametrize("status", list(ProblemStatus))
def test_a_verb_is_offered_exactly_when_its_action_accepts_it(status, role):
    """For every verb, role and status: offered by `allowed_verbs` (the page's buttons, the
    API's `allowed_actions`) if and only if the action does not refuse it."""
    owner = AgentFactory()
    problem = _in_status(status, owner)
    actor = {
        "customer": CustomerFactory(),
        "agent": AgentFactory(),
        "owner": owner,
        "lead": LeadFactory(),
    }[role]
    offered = {verb.name for verb in allowed_verbs(problem, actor)}
    assert offered == {verb for verb in VERBS if not _refused(verb, problem, actor)}
