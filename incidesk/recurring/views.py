"""The recurring-problems page for leads, and the intake suggestions the portal and the console
include beside a new incident, with the small actions they offer.

Views parse, call `similarity` to read and the incidents' or problems' actions to write;
a domain error comes back as a message on the page the user came from.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from incidesk.accounts.models import User
from incidesk.core.errors import DomainError, NotFound
from incidesk.incidents import actions as incident_actions
from incidesk.incidents.access import access_incident, can, visible_to
from incidesk.incidents.models import Channel, Incident, LinkKind
from incidesk.problems import actions as problem_actions
from incidesk.problems import queries as problem_queries
from incidesk.problems.models import Problem
from incidesk.problems.status import ProblemStatus
from incidesk.recurring import runs, similarity, wording
from incidesk.web.access import manager_required, staff_required

WINDOWS = (7, 14, 30)
DEFAULT_WINDOW = 14
MIN_SIZE = 3
# Problems offered in the "link to an existing problem" list.
PROBLEM_CHOICES = 200


def _back(request: HttpRequest, default: str) -> str:
    """Where to return after an action: the page that asked (`next`), if it is ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@manager_required
@require_GET
def groups(request: HttpRequest) -> HttpResponse:
    """Groups of similar incidents of the last 7, 14 or 30 days, largest and growing first,
    each with the words and fields that tie it and one action: a new problem or an existing
    one. The worker groups (`runs`): the page shows its last result and, while a newer one is
    on its way, polls itself (htmx) until it is there."""
    try:
        days = int(request.GET.get("days", DEFAULT_WINDOW))
    except ValueError:
        days = DEFAULT_WINDOW
    days = days if days in WINDOWS else DEFAULT_WINDOW
    done, waiting = runs.requested(days, MIN_SIZE)
    found = []
    if done is not None and done.since and done.until:
        found = similarity.stored_groups(
            done.result or [], since=done.since, until=done.until, user=request.user
        )
    rows = [
        {
            "group": group,
            "summary": wording.group_summary(group),
            "trend": wording.trend_words(group),
            "fields": wording.field_labels(group.shared_fields),
            "title": _("Recurring: %(terms)s") % {"terms": ", ".join(group.top_terms[:3])}
            if group.top_terms
            else "",
        }
        for group in found
    ]
    context = {
        "rows": rows,
        "days": days,
        "windows": WINDOWS,
        "problems": _open_problems() if rows else [],
        "done": done,
        "waiting": waiting,
    }
    return render(request, "recurring/groups.html", context)


def _open_problems() -> list[Problem]:
    return list(
        Problem.objects.filter(status__in=[ProblemStatus.OPEN, ProblemStatus.KNOWN_ERROR])
        .only("number", "title")
        .order_by("-created_at", "-id")[:PROBLEM_CHOICES]
    )


def _group_incidents(user: User, numbers: list[str]) -> list[Incident]:
    wanted = [number.strip().upper() for number in numbers if number.strip()]
    return list(visible_to(user).filter(number__in=wanted).order_by("created_at", "id"))


@manager_required
@require_POST
def create_problem(request: HttpRequest) -> HttpResponse:
    """Register a problem from a group and link the group's incidents to it."""
    incidents = _group_incidents(request.user, request.POST.getlist("incident"))
    back = _back(request, reverse("recurring:groups"))
    if not incidents:
        messages.error(request, _("None of these incidents was found."))
        return redirect(back)
    shared = set(request.POST.getlist("shared"))
    first = incidents[0]
    try:
        with transaction.atomic():
            problem = problem_actions.do_create_problem(
                actor=request.user,
                title=request.POST.get("title", ""),
                description=_("Found as a group of recurring incidents: %(numbers)s.")
                % {"numbers": ", ".join(incident.number for incident in incidents)},
                category=first.category if "category" in shared else None,
                service=first.service if "service" in shared else None,
            )
            problem_actions.do_link_incidents(problem, actor=request.user, incidents=incidents)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "Problem %(number)s registered with %(count)d incident.",
            "Problem %(number)s registered with %(count)d incidents.",
            len(incidents),
        )
        % {"number": problem.number, "count": len(incidents)},
    )
    return redirect("problems:detail", number=problem.number)


@manager_required
@require_POST
def link_problem(request: HttpRequest) -> HttpResponse:
    """Link a group's incidents to an existing problem."""
    incidents = _group_incidents(request.user, request.POST.getlist("incident"))
    back = _back(request, reverse("recurring:groups"))
    try:
        problem = problem_queries.access_problem(request.user, request.POST.get("problem", ""))
        if not incidents:
            raise NotFound(_("None of these incidents was found."))
        with transaction.atomic():
            problem_actions.do_link_incidents(problem, actor=request.user, incidents=incidents)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(count)d incident linked to %(number)s.",
            "%(count)d incidents linked to %(number)s.",
            len(incidents),
        )
        % {"number": problem.number, "count": len(incidents)},
    )
    return redirect("problems:detail", number=problem.number)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The htmx fragment beside a new incident. `title` (and `description`): the text being
    written; or `incident`: a registered incident's number (desk staff). Customers see
    matching known errors only; desk staff also similar open incidents. Visitors who are not
    signed in get nothing."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponse("")
    query = f"{request.GET.get('title', '')}\n{request.GET.get('description', '')}".strip()
    incident = None
    if request.GET.get("incident"):
        try:
            incident = access_incident(user, request.GET["incident"])
        except DomainError:
            return HttpResponse("")
        query = similarity.incident_text(incident)
    matches = []
    if user.is_desk_staff and query:
        matches = similarity.similar_incidents(incident or query, user=user)
    known = similarity.similar_known_errors(query, user) if query else []
    context = {
        "incident": incident,
        "matches": [
            {"match": match, "fields": wording.field_labels(match.shared_fields)}
            for match in matches
        ],
        "known_errors": known,
        "next": request.htmx.current_url if request.htmx else "",
    }
    return render(request, "recurring/_suggestions.html", context)


@login_required
@require_POST
def same_problem(request: HttpRequest, number: str) -> HttpResponse:
    """ "This is my problem too": the customer's incident (the one named in `incident`, or a new
    one from the `title` and `description` being written) is linked to the known error instead
    of waiting as a separate report."""
    problem = Problem.objects.filter(
        number=number.upper(), status=ProblemStatus.KNOWN_ERROR
    ).first()
    if problem is None:
        raise Http404
    user = request.user
    back = _back(request, reverse("portal:new"))
    try:
        with transaction.atomic():
            wanted = request.POST.get("incident", "")
            if wanted:
                incident = access_incident(user, wanted)
                # Staff link through the lifecycle's verb; a customer only their own incident.
                if not (user.is_desk_staff or can(user, "link_known_error", incident)):
                    raise NotFound(_("Incident %(number)s was not found.") % {"number": wanted})
            else:
                incident = incident_actions.do_create_incident(
                    actor=user,
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    channel=Channel.PORTAL,
                )
            incident_actions.do_link_problem(incident, actor=user, problem=problem)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(
        request,
        _(
            "Incident %(number)s is linked to the known problem “%(title)s”: "
            "we will tell you when it is fixed."
        )
        % {"number": incident.number, "title": problem.title},
    )
    if user.is_desk_staff:
        return redirect(_back(request, reverse("console:incident", args=[incident.number])))
    return redirect("portal:incident", number=incident.number)


@staff_required
@require_POST
def mark_duplicate(request: HttpRequest) -> HttpResponse:
    """Cancel `incident` as a duplicate of `original` (both must be visible to the agent)."""
    return _incident_action(request, _cancel_duplicate)


@staff_required
@require_POST
def link_major(request: HttpRequest) -> HttpResponse:
    """Make `incident` a child of the major incident `original`."""
    return _incident_action(request, _link_child)


def _cancel_duplicate(user: User, incident: Incident, original: Incident) -> str:
    incident_actions.do_cancel(
        incident,
        actor=user,
        reason=_("Duplicate of %(number)s.") % {"number": original.number},
        duplicate_of=original,
    )
    return _("%(number)s cancelled as a duplicate of %(original)s.")


def _link_child(user: User, incident: Incident, original: Incident) -> str:
    incident_actions.do_link(incident, actor=user, target=original, kind=LinkKind.CHILD_OF)
    return _("%(number)s linked to the major incident %(original)s.")


def _incident_action(request: HttpRequest, perform: Any) -> HttpResponse:
    user = request.user
    number = request.POST.get("incident", "")
    back = _back(request, reverse("console:incident", args=[number]) if number else "/")
    try:
        with transaction.atomic():
            incident = access_incident(user, number, need="edit")
            original = access_incident(user, request.POST.get("original", ""))
            done = perform(user, incident, original)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(request, done % {"number": incident.number, "original": original.number})
    return redirect(back)
