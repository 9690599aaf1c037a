"""Every problem verb from every status, for every kind of actor: allowed or refused."""

import pytest

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
        assert problem.events.filter(kind="status_changed").last().data["new"] == VERBS[verb].target
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
