"""Agents' availability in the console: each agent sets their own absence; a lead sets the
working hours, absence and skills of the agents in the teams they lead (an admin: of every
agent). Automatic assignment and the simulator read the same rows (`assignment.available`)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from incidesk.accounts.models import STAFF_ROLES, Role, Team, User
from incidesk.automation.availability_forms import AgentForm, AwayForm
from incidesk.automation.models import AgentAvailability
from incidesk.web.access import manager_required, signed_in, staff_required


def _own(agent: User) -> AgentAvailability:
    """The agent's availability row, or a new one to fill in."""
    found = AgentAvailability.objects.filter(agent=agent).first()
    return found if found is not None else AgentAvailability(agent=agent)


def _managed(lead: User) -> QuerySet[User]:
    """The agents `lead` sets availability for: members of the teams they lead; an admin's,
    every active desk staff member."""
    people = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
    if lead.role != Role.ADMIN:
        people = people.filter(teams__lead=lead).distinct()
    return people


@staff_required
def away(request: HttpRequest) -> HttpResponse:
    """The signed-in agent's out-of-office: while away, automatic assignment passes them over
    (to their substitute, if they named one)."""
    me = signed_in(request)
    form = AwayForm(request.POST if request.method == "POST" else None, instance=_own(me))
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your absence is saved."))
            return redirect("automation:away")
        return render(request, "automation/away.html", {"form": form}, status=422)
    return render(request, "automation/away.html", {"form": form})


@manager_required
@require_GET
def agents(request: HttpRequest) -> HttpResponse:
    """The agents the lead manages, with their hours, absence and skills."""
    found = list(
        _managed(signed_in(request))
        .select_related("availability__calendar", "availability__substitute")
        .prefetch_related(
            Prefetch("teams", queryset=Team.objects.order_by("name")),
            "availability__categories",
            "availability__services",
        )
        .order_by("full_name", "pk")
    )
    now = timezone.now()
    rows = []
    for person in found:
        own = _availability(person)
        rows.append((person, own, own is not None and own.is_away(now)))
    context = {"rows": rows}
    return render(request, "automation/agents.html", context)


def _availability(person: User) -> AgentAvailability | None:
    try:
        return person.availability
    except AgentAvailability.DoesNotExist:
        return None


@manager_required
def agent(request: HttpRequest, agent: int) -> HttpResponse:
    """One agent's working hours, absence and skills, for a lead of one of their teams."""
    person = _managed(signed_in(request)).filter(pk=agent).first()
    if person is None:
        raise Http404(_("This agent is not in a team you lead."))
    form = AgentForm(request.POST if request.method == "POST" else None, instance=_own(person))
    context = {"form": form, "person": person}
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(
                request, _("Availability of %(name)s is saved.") % {"name": person.display_name}
            )
            return redirect("automation:agents")
        return render(request, "automation/agent.html", context, status=422)
    return render(request, "automation/agent.html", context)
