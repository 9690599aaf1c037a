"""Macros in the console: the list and form for writing them, and the workspace's picker,
preview and apply.

Reads start from `macros.access` and `incidents.access`; applying is `apply.apply_macro`, which
runs the incident actions. A refusal comes back to the workspace as the action's own words.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidesk.accounts.models import User
from incidesk.core.errors import DomainError, Forbidden, NotFound
from incidesk.incidents import queries
from incidesk.incidents.access import access_incident
from incidesk.incidents.models import Incident
from incidesk.macros.access import Need, access_macro, editor, may_share, visible_macros
from incidesk.macros.apply import apply_macro, plan
from incidesk.macros.forms import MacroForm
from incidesk.macros.models import Macro, Scope
from incidesk.web.access import signed_in, staff_required

PICKER_SIZE = 20


def _macro(user: User, pk: int, need: Need = "use") -> Macro:
    try:
        return access_macro(user, pk, need)
    except NotFound as error:
        raise Http404(str(error)) from error
    except Forbidden as error:
        raise PermissionDenied(str(error)) from error


def _incident(user: User, number: str) -> Incident:
    try:
        return access_incident(user, number, need="edit", queryset=queries.with_related())
    except NotFound as error:
        raise Http404(str(error)) from error


# --- writing macros ---------------------------------------------------------------------------


@staff_required
@require_GET
def macro_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    macros = list(visible_macros(user).order_by("scope", "name", "pk"))
    can = editor(user)
    rows = [(macro, can(macro)) for macro in macros]
    return render(request, "macros/macro_list.html", {"rows": rows, "may_share": may_share(user)})


def _form_page(request: HttpRequest, form: MacroForm, macro: Macro | None) -> HttpResponse:
    status = 422 if form.is_bound else 200
    return render(request, "macros/macro_form.html", {"form": form, "macro": macro}, status=status)


@staff_required
def macro_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if request.method != "POST":
        return _form_page(request, MacroForm(user=user, initial={"scope": Scope.PERSONAL}), None)
    form = MacroForm(request.POST, user=user)
    if not form.is_valid():
        return _form_page(request, form, None)
    macro = form.save()
    messages.success(request, _("Macro «%(name)s» saved.") % {"name": macro.name})
    return redirect("macros:list")


@staff_required
def macro_edit(request: HttpRequest, macro: int) -> HttpResponse:
    user = signed_in(request)
    instance = _macro(user, macro, "edit")
    if request.method != "POST":
        return _form_page(request, MacroForm(instance=instance, user=user), instance)
    form = MacroForm(request.POST, instance=instance, user=user)
    if not form.is_valid():
        return _form_page(request, form, instance)
    form.save()
    messages.success(request, _("Macro «%(name)s» saved.") % {"name": instance.name})
    return redirect("macros:list")


@staff_required
@require_POST
def macro_delete(request: HttpRequest, macro: int) -> HttpResponse:
    instance = _macro(signed_in(request), macro, "edit")
    instance.delete()
    messages.success(request, _("Macro «%(name)s» deleted.") % {"name": instance.name})
    return redirect("macros:list")


# --- the workspace: pick, preview, apply -------------------------------------------------------


@staff_required
@require_GET
def picker(request: HttpRequest, number: str) -> HttpResponse:
    """The first macros whose name holds the search words, in any case (all, with none)."""
    incident = _incident(signed_in(request), number)
    words = request.GET.get("q", "").strip()
    wanted = words.casefold()
    # Matched here, not by the database: SQLite's LIKE folds only ASCII letters, and one
    # person's macros are a short list.
    macros = [
        macro
        for macro in visible_macros(signed_in(request)).order_by("name", "pk")
        if wanted in macro.name.casefold()
    ]
    return render(
        request,
        "macros/_picker_results.html",
        {"incident": incident, "macros": macros[:PICKER_SIZE], "words": words},
    )


class ApplyForm(forms.Form):
    """The version of the incident the agent was looking at when they chose the macro."""

    version = forms.IntegerField(min_value=1)


@staff_required
@require_GET
def preview(request: HttpRequest, macro: int, number: str) -> HttpResponse:
    """The macro's texts rendered for this incident and its steps in words, with the button
    that applies it to the version the agent's page shows."""
    user = signed_in(request)
    incident = _incident(user, number)
    chosen = _macro(user, macro)
    seen = ApplyForm({"version": request.GET.get("comment-version", incident.version)})
    version = seen.cleaned_data["version"] if seen.is_valid() else incident.version
    return render(
        request,
        "macros/_preview.html",
        {"incident": incident, "plan": plan(chosen, incident, user), "version": version},
    )


@staff_required
@require_POST
def apply(request: HttpRequest, macro: int, number: str) -> HttpResponse:
    user = signed_in(request)
    incident = _incident(user, number)
    chosen = _macro(user, macro)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Open the incident again and choose the macro once more."))
        return redirect("console:incident", number=incident.number)
    try:
        with transaction.atomic():
            apply_macro(chosen, incident, actor=user, expected_version=form.cleaned_data["version"])
    except DomainError as error:
        messages.error(
            request,
            _("Macro «%(name)s» was not applied: %(reason)s")
            % {"name": chosen.name, "reason": error.message},
        )
    else:
        messages.success(request, _("Macro «%(name)s» applied.") % {"name": chosen.name})
    return redirect("console:incident", number=incident.number)
