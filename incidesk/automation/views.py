"""Routing rules and teams' assignment modes in the console, for leads and admins, and the
simulator that shows what a rule being edited would have done to the last days' incidents.

The rule form is the admin's (`forms.RoutingRuleForm`): one validation wherever a rule is
edited. "Simulate" validates the form and runs `simulator.simulate` on its unsaved values;
nothing is written until "Save".
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from incidesk.accounts.models import Team
from incidesk.automation import ordering, runs
from incidesk.automation.console_forms import SimulateForm, TeamModesForm
from incidesk.automation.forms import RoutingRuleForm
from incidesk.automation.models import RoutingRule
from incidesk.automation.simulator import simulate, with_draft
from incidesk.web.access import manager_required, signed_in


def _rule(pk: int) -> RoutingRule:
    rule = RoutingRule.objects.select_related("team").filter(pk=pk).first()
    if rule is None:
        raise Http404(_("This rule was not found."))
    return rule


@manager_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    """The rules in the order they are tried, with the buttons that edit and reorder them."""
    found = list(RoutingRule.objects.select_related("team"))
    return render(request, "automation/rules.html", {"rules": found})


def _form_page(
    request: HttpRequest, form: RoutingRuleForm, rule: RoutingRule | None, days: SimulateForm
) -> HttpResponse:
    """The form; after "Simulate" with valid values, the simulation beside it (a large window:
    its run in the worker, which the page polls)."""
    simulation = run = None
    if form.is_bound and "simulate" in request.POST and form.is_valid() and days.is_valid():
        back = days.cleaned_data["days"]
        if runs.inline(back):
            simulation = simulate(with_draft(form.instance), days=back)
        else:
            run = runs.start(form.instance, days=back, by=signed_in(request))
    status = 422 if form.is_bound and not (form.is_valid() and days.is_valid()) else 200
    context = {"form": form, "rule": rule, "days": days, "simulation": simulation, "run": run}
    return render(request, "automation/rule_form.html", context, status=status)


def _edit(request: HttpRequest, rule: RoutingRule | None) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, RoutingRuleForm(instance=rule), rule, SimulateForm())
    form = RoutingRuleForm(request.POST, instance=rule)
    days = SimulateForm(request.POST)
    if "simulate" in request.POST or not form.is_valid():
        return _form_page(request, form, rule, days)
    saved = form.save()
    messages.success(request, _("Rule «%(name)s» saved.") % {"name": saved.name})
    return redirect("automation:rules")


@manager_required
def rule_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@manager_required
def rule_edit(request: HttpRequest, routing_rule: int) -> HttpResponse:
    return _edit(request, _rule(routing_rule))


@manager_required
@require_POST
def rule_delete(request: HttpRequest, routing_rule: int) -> HttpResponse:
    rule = _rule(routing_rule)
    rule.delete()
    messages.success(request, _("Rule «%(name)s» deleted.") % {"name": rule.name})
    return redirect("automation:rules")


@manager_required
@require_POST
def rule_move(request: HttpRequest, routing_rule: int) -> HttpResponse:
    """Move a rule one place up or down; the rules are numbered again 10, 20, 30…"""
    step = ordering.STEPS.get(request.POST.get("direction", ""))
    if step is None:
        messages.error(request, _("Choose whether to move the rule up or down."))
        return redirect("automation:rules")
    ordering.move(RoutingRule, routing_rule, step)
    return redirect("automation:rules")


@manager_required
def teams(request: HttpRequest) -> HttpResponse:
    """Each team's automatic assignment: off, round robin, least loaded or by skills."""
    found = list(Team.objects.order_by("name", "pk"))
    if request.method != "POST":
        return render(request, "automation/teams.html", {"form": TeamModesForm(teams=found)})
    form = TeamModesForm(request.POST, teams=found)
    if not form.is_valid():
        return render(request, "automation/teams.html", {"form": form}, status=422)
    changed = form.save()
    messages.success(
        request,
        ngettext(
            "Assignment changed for %(count)d team.",
            "Assignment changed for %(count)d teams.",
            changed,
        )
        % {"count": changed},
    )
    return redirect("automation:teams")
