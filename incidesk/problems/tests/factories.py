"""Problems built through the real actions."""

from __future__ import annotations

from incidesk.accounts.models import User
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.problems import actions
from incidesk.problems.models import Problem


def make_problem(*, actor: User | None = None, **fields) -> Problem:
    """An open problem registered by `actor` (default: a new agent, who owns it)."""
    fields.setdefault("title", "VPN отключается каждые 15 минут")
    return actions.do_create_problem(actor=actor or AgentFactory(), **fields)
