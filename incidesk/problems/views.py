"""The problem pages (desk staff): list, create and edit, the problem page with its verbs,
linked incidents and preventive actions, and the recurrence report.

Views parse forms and render; every change is a `problems.actions` call, and domain errors come
back as form errors next to their fields.
"""

from __future__ import annotations

from datetime import datetime, time
from functools import partial
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from incidesk.accounts.models import User
from incidesk.core.errors import DomainError, NotFound
from incidesk.incidents.access import access_incident
from incidesk.problems import actions, forms, queries, recurrence
from incidesk.problems.models import Problem
from incidesk.problems.status import VERBS, allowed_verbs
from incidesk.web.access import staff_required
from incidesk.web.forms import add_domain_error

PAGE_SIZE = 100


def _problem(user: User, number: str) -> Problem:
    try:
        return queries.access_problem(user, number)
    except NotFound as error:
        raise Http404(str(error.message)) from error


@staff_required
def known_error_panel(request: HttpRequest, incident: str) -> HttpResponse:
    """The workarounds to show beside an incident, loaded after the workspace (finding similar
    incidents is the slow part of that page)."""
    try:
        found = access_incident(request.user, incident)
    except NotFound as missing:
        raise Http404 from missing
    known = queries.known_errors_for(found, request.user)
    return render(request, "problems/known_error_panel.html", {"known_errors": known})


@staff_required
def problem_list(request: HttpRequest) -> HttpResponse:
    form = forms.ProblemFilterForm(request.GET)
    found = queries.filter_problems(queries.problems(request.user), **form.filters())
    rows = list(found.order_by("-created_at", "-id")[: PAGE_SIZE + 1])
    context = {"form": form, "problems": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE}
    return render(request, "problems/problem_list.html", context)


def _fields(problem: Problem) -> dict[str, Any]:
    return {name: getattr(problem, name) for name in actions.EDITABLE_FIELDS}


@staff_required
def problem_new(request: HttpRequest) -> HttpResponse:
    form = forms.ProblemForm(request.POST or None, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            problem = actions.do_create_problem(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Problem %(number)s registered.") % {"number": problem.number}
            )
            return redirect("problems:detail", number=problem.number)
    status = 422 if form.is_bound else 200
    return render(request, "problems/problem_form.html", {"form": form}, status=status)


@staff_required
def problem_edit(request: HttpRequest, number: str) -> HttpResponse:
    problem = _problem(request.user, number)
    form = forms.ProblemForm(request.POST or None, initial=_fields(problem))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            actions.do_update_problem(problem, actor=request.user, **changes)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("problems:detail", number=problem.number)
    status = 422 if form.is_bound else 200
    context = {"form": form, "problem": problem}
    return render(request, "problems/problem_form.html", context, status=status)


# --- the problem page --------------------------------------------------------------------------

_FORMS = {
    "link": forms.LinkForm,
    "action": forms.PreventiveActionForm,
    "known-error": forms.KnownErrorForm,
    "resolve": forms.ResolveForm,
    "reopen": forms.ReopenForm,
}


def _detail(
    request: HttpRequest, problem: Problem, bound: tuple[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    page_forms = {name: form_class(prefix=name) for name, form_class in _FORMS.items()}
    page_forms["known-error"].initial = {"workaround": problem.workaround}
    page_forms["resolve"].initial = {"notes": problem.resolution_notes, "resolve_incidents": True}
    if bound is not None:
        page_forms[bound[0]] = bound[1]
    weeks_form = forms.RecurrenceForm(request.GET or None)
    weeks = weeks_form.cleaned_data["weeks"] if weeks_form.is_valid() else recurrence.DEFAULT_WEEKS
    context = {
        "problem": problem,
        "verbs": allowed_verbs(problem, user),
        "incidents": queries.linked_incidents(problem, user),
        "open_count": actions.open_incidents(problem, user).count(),
        "preventive_actions": queries.preventive_actions(problem),
        "events": queries.history(problem),
        "recurrence": recurrence.problem_recurrence(problem, user, weeks=weeks),
        "weeks_form": weeks_form if weeks_form.is_bound else forms.RecurrenceForm(),
        "forms": {name.replace("-", "_"): form for name, form in page_forms.items()},
        "bound": bound[0] if bound else "",
    }
    return render(request, "problems/problem_detail.html", context, status=status)


@staff_required
def problem_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, _problem(request.user, number))


def _submit(request: HttpRequest, number: str, name: str, perform: Any) -> HttpResponse:
    """Run `perform(problem, form)` for the page's form `name`; errors re-render the page with
    that form open and its messages next to the fields."""
    problem = _problem(request.user, number)
    form = _FORMS[name](request.POST, prefix=name)
    if form.is_valid():
        try:
            with transaction.atomic():
                done = perform(problem, form)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, done or _("Saved."))
            return redirect("problems:detail", number=problem.number)
    return _detail(request, _problem(request.user, number), bound=(name, form), status=422)


def _known_error(user: User, problem: Problem, form: forms.KnownErrorForm) -> None:
    actions.do_mark_known_error(problem, actor=user, workaround=form.cleaned_data["workaround"])


def _reopen(user: User, problem: Problem, form: forms.ReopenForm) -> None:
    actions.do_reopen_problem(problem, actor=user, reason=form.cleaned_data["reason"])


def _resolve(user: User, problem: Problem, form: forms.ResolveForm) -> str:
    data = form.cleaned_data
    count = actions.open_incidents(problem, user).count() if data["resolve_incidents"] else 0
    actions.do_resolve_problem(
        problem,
        actor=user,
        notes=data["notes"],
        resolve_incidents=data["resolve_incidents"],
        cause=data["cause"],
        resolution_code=data["resolution_code"],
    )
    return ngettext(
        "Problem resolved with %(n)d incident.", "Problem resolved with %(n)d incidents.", count
    ) % {"n": count}


_VERB_STEPS = {"known-error": _known_error, "reopen": _reopen, "resolve": _resolve}


@staff_required
@require_POST
def problem_verb(request: HttpRequest, number: str, verb: str) -> HttpResponse:
    """One of the state machine's verbs (`problems.status.VERBS`); close needs no form."""
    if verb not in VERBS:
        raise Http404
    user = request.user
    if verb in _VERB_STEPS:
        return _submit(request, number, verb, partial(_VERB_STEPS[verb], user))
    problem = _problem(user, number)
    try:
        actions.do_close_problem(problem, actor=user)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("problems:detail", number=problem.number)


@staff_required
@require_POST
def link_incidents(request: HttpRequest, number: str) -> HttpResponse:
    user = request.user

    def perform(problem: Problem, form: forms.LinkForm) -> None:
        found = queries.incidents_by_numbers(user, "incidents", form.numbers())
        actions.do_link_incidents(problem, actor=user, incidents=found)

    return _submit(request, number, "link", perform)


@staff_required
@require_POST
def unlink_incident(request: HttpRequest, number: str, incident: str) -> HttpResponse:
    user = request.user
    problem = _problem(user, number)
    try:
        found = queries.incidents_by_numbers(user, "incident", [incident])[0]
        actions.do_unlink_incident(problem, actor=user, incident=found)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Incident %(number)s unlinked.") % {"number": found.number})
    return redirect("problems:detail", number=problem.number)


@staff_required
@require_POST
def add_preventive_action(request: HttpRequest, number: str) -> HttpResponse:
    user = request.user

    def perform(problem: Problem, form: forms.PreventiveActionForm) -> None:
        actions.do_add_preventive_action(problem, actor=user, **form.cleaned_data)

    return _submit(request, number, "action", perform)


@staff_required
@require_POST
def preventive_action_done(request: HttpRequest, number: str, action_id: int) -> HttpResponse:
    user = request.user
    problem = _problem(user, number)
    try:
        action = queries.preventive_action(problem, action_id)
        actions.do_set_action_done(action, actor=user, done=request.POST.get("done") == "1")
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("problems:detail", number=problem.number)


# --- recurrence report -------------------------------------------------------------------------


@staff_required
def recurrence_report(request: HttpRequest) -> HttpResponse:
    """Incidents per week before and after a chosen date, per cause and per category."""
    form = forms.RecurrenceReportForm(request.GET or None)
    tables = None
    if form.is_valid():
        data = form.cleaned_data
        options = {
            "split": timezone.make_aware(datetime.combine(data["date"], time.min)),
            "weeks": data["weeks"],
            "cause": data["cause"].code if data["cause"] else None,
            "category": data["category"].code if data["category"] else None,
        }
        try:
            tables = {
                "causes": recurrence.grouped_recurrence(request.user, by="cause", **options),
                "categories": recurrence.grouped_recurrence(request.user, by="category", **options),
            }
        except DomainError as error:
            add_domain_error(form, error)
    context = {"form": form, "tables": tables}
    return render(request, "problems/recurrence.html", context)
