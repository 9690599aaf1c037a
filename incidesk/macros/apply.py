"""Applying a macro: its steps are the incident actions, run in one transaction.

`plan` renders the texts for the incident (the customer's language, the sandboxed
placeholders) and says in words what will happen, for the preview; `apply_macro` does it. Each
step is the ordinary action (`incidents.actions`), with its rights check, state machine, timeline
event and notifications; the first one checks the version the agent saw. Any refusal rolls the
whole macro back, so a macro is applied entirely or not at all, and the refusal the agent sees is
the action's own ("cannot request information for an incident in status Resolved"). Last, an
internal `macro_applied` event names the macro and the events its steps recorded, which the
console's timeline marks as coming from it.

Order: field changes first (assigning a new incident takes it into work, which the verbs that
follow need), then the reply, then the status verb. An information request or a resolution
without its own text takes the public reply as its message, so the customer gets one message
that replies and asks (or gives the resolution), not two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from incidesk.accounts.models import User
from incidesk.catalog.models import Level
from incidesk.incidents import actions
from incidesk.incidents.models import Incident, Visibility
from incidesk.macros.models import Macro, MacroVerb
from incidesk.macros.placeholders import Context, render


@dataclass
class Plan:
    """A macro rendered for one incident: the texts as they will be sent, and each step in
    words."""

    macro: Macro
    language: str
    reply: str
    reply_public: bool
    verb_text: str
    steps: list[str] = field(default_factory=list)


def plan(macro: Macro, incident: Incident, agent: User) -> Plan:
    context = Context.of(incident, agent)
    reply = render(macro.text("reply", context.language), context).strip()
    verb_text = render(macro.text("verb_text", context.language), context).strip()
    takes_reply = macro.asks_customer or macro.verb == MacroVerb.RESOLVE
    if takes_reply and not verb_text and reply and macro.reply_is_public:
        verb_text, reply = reply, ""
    result = Plan(macro, context.language, reply, macro.reply_is_public, verb_text)
    result.steps = _steps(macro, agent)
    return result


def _steps(macro: Macro, agent: User) -> list[str]:
    """What the macro changes, in the viewer's words (the texts are shown beside)."""
    changes = (
        (_("Category: %(name)s"), macro.set_category and macro.set_category.name),
        (_("Service: %(name)s"), macro.set_service and macro.set_service.name),
        (_("Impact: %(name)s"), macro.set_impact and Level(macro.set_impact).label),
        (_("Urgency: %(name)s"), macro.set_urgency and Level(macro.set_urgency).label),
        (_("Team: %(name)s"), macro.set_team and macro.set_team.name),
        (_("Assignee: %(name)s"), macro.assign_to_self and agent.display_name),
        (_("Priority: P%(name)s"), macro.set_priority),
    )
    steps = [template % {"name": value} for template, value in changes if value]
    if macro.verb == MacroVerb.HOLD and macro.hold_reason is not None:
        steps.append(_("Put on hold: %(reason)s") % {"reason": macro.hold_reason.name})
    elif macro.verb == MacroVerb.RESOLVE and macro.resolution_code is not None:
        steps.append(_("Resolve: %(code)s") % {"code": macro.resolution_code.name})
    elif macro.verb:
        steps.append(str(MacroVerb(macro.verb).label))
    return steps


class _Steps:
    """Runs the actions one after another on the same incident; the first takes the version the
    agent saw (the row is locked from then to the commit, so later ones need not check again)."""

    def __init__(self, incident: Incident, expected_version: int | None) -> None:
        self.incident = incident
        self._version = expected_version

    def version(self) -> int | None:
        version, self._version = self._version, None
        return version

    def run(self, action: Any, **kwargs: Any) -> None:
        result = action(self.incident, expected_version=self.version(), **kwargs)
        if isinstance(result, Incident):
            self.incident = result


@transaction.atomic
def apply_macro(
    macro: Macro, incident: Incident, *, actor: User, expected_version: int | None = None
) -> Incident:
    """Apply `macro` to `incident` as `actor`, all of it or nothing (see the module's doc).
    The caller has checked that `actor` may use the macro and edit the incident."""
    # The row lock first, so no one else's event can fall among the macro's.
    locked = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("reporter")
        .get(pk=incident.pk)
    )
    before = locked.events.order_by("-pk").values_list("pk", flat=True).first() or 0
    rendered = plan(macro, locked, actor)
    steps = _Steps(locked, expected_version)
    _change_fields(steps, macro, actor)
    if rendered.reply:
        visibility = Visibility.PUBLIC if rendered.reply_public else Visibility.INTERNAL
        steps.run(actions.do_add_comment, actor=actor, body=rendered.reply, visibility=visibility)
    _change_status(steps, macro, actor, rendered.verb_text)
    events = list(steps.incident.events.filter(pk__gt=before).values_list("pk", flat=True))
    if events:  # a macro whose changes were all made already leaves nothing to attribute
        actions.do_record_macro(
            steps.incident, actor=actor, macro_id=macro.pk, name=macro.name, events=events
        )
    return steps.incident


def _change_fields(steps: _Steps, macro: Macro, actor: User) -> None:
    incident = steps.incident
    edits: dict[str, Any] = {}
    if macro.set_category_id and macro.set_category_id != incident.category_id:
        edits["category"] = macro.set_category
    if macro.set_service_id and macro.set_service_id != incident.service_id:
        edits["service"] = macro.set_service
    if macro.set_impact and macro.set_impact != incident.impact:
        edits["impact"] = macro.set_impact
    if macro.set_urgency and macro.set_urgency != incident.urgency:
        edits["urgency"] = macro.set_urgency
    if edits:
        steps.run(actions.do_update_incident, actor=actor, **edits)
    moves_team = macro.set_team_id is not None and macro.set_team_id != incident.team_id
    takes_it = macro.assign_to_self and incident.assignee_id != actor.pk
    if moves_team or takes_it:
        steps.run(
            actions.do_assign,
            actor=actor,
            team=macro.set_team,
            assignee=actor if macro.assign_to_self else None,
        )
    if macro.set_priority and macro.set_priority != steps.incident.priority:
        steps.run(
            actions.do_override_priority,
            actor=actor,
            priority=macro.set_priority,
            reason=_("Macro «%(name)s»") % {"name": macro.name},
        )


def _change_status(steps: _Steps, macro: Macro, actor: User, text: str) -> None:
    if not macro.verb:
        return
    if macro.asks_customer:
        steps.run(actions.do_request_info, actor=actor, message=text)
    elif macro.verb == MacroVerb.HOLD:
        steps.run(actions.do_hold, actor=actor, reason=macro.hold_reason, message=text)
    elif macro.verb == MacroVerb.RESOLVE:
        steps.run(
            actions.do_resolve,
            actor=actor,
            cause=macro.cause,
            resolution_code=macro.resolution_code,
            notes=text,
        )
    elif macro.verb == MacroVerb.ACCEPT:
        steps.run(actions.do_accept, actor=actor)
    else:
        steps.run(actions.do_resume, actor=actor)
