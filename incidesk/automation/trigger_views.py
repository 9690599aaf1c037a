"""Triggers in the console, for leads and admins: the list in the order they run, a form per
trigger (the admin's `forms.TriggerForm`: one validation wherever a trigger is edited, errors
in words), delete, move up or down, and switch on or off. Saving only writes the trigger: it
runs later, in the worker, on the events that wake it (`automation.firing`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidesk.automation import ordering
from incidesk.automation.forms import TriggerForm
from incidesk.automation.models import Trigger
from incidesk.web.access import manager_required


def _trigger(pk: int) -> Trigger:
    found = Trigger.objects.filter(pk=pk).first()
    if found is None:
        raise Http404(_("This trigger was not found."))
    return found


@manager_required
@require_GET
def triggers(request: HttpRequest) -> HttpResponse:
    """The triggers in the order they run, with the buttons that edit, reorder and switch them."""
    return render(request, "automation/triggers.html", {"triggers": list(Trigger.objects.all())})


def _edit(request: HttpRequest, trigger: Trigger | None) -> HttpResponse:
    form = TriggerForm(request.POST if request.method == "POST" else None, instance=trigger)
    if request.method != "POST" or not form.is_valid():
        status = 422 if form.is_bound else 200
        context = {"form": form, "trigger": trigger}
        return render(request, "automation/trigger_form.html", context, status=status)
    saved = form.save()
    messages.success(request, _("Trigger «%(name)s» saved.") % {"name": saved.name})
    return redirect("automation:triggers")


@manager_required
def trigger_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@manager_required
def trigger_edit(request: HttpRequest, trigger: int) -> HttpResponse:
    return _edit(request, _trigger(trigger))


@manager_required
@require_POST
def trigger_delete(request: HttpRequest, trigger: int) -> HttpResponse:
    found = _trigger(trigger)
    found.delete()
    messages.success(request, _("Trigger «%(name)s» deleted.") % {"name": found.name})
    return redirect("automation:triggers")


@manager_required
@require_POST
def trigger_move(request: HttpRequest, trigger: int) -> HttpResponse:
    """Move a trigger one place up or down; the triggers are numbered again 10, 20, 30…"""
    step = ordering.STEPS.get(request.POST.get("direction", ""))
    if step is None:
        messages.error(request, _("Choose whether to move the trigger up or down."))
        return redirect("automation:triggers")
    ordering.move(Trigger, _trigger(trigger).pk, step)
    return redirect("automation:triggers")


@manager_required
@require_POST
def trigger_toggle(request: HttpRequest, trigger: int) -> HttpResponse:
    """Switch a trigger on or off (off: kept as a draft, never fired)."""
    found = _trigger(trigger)
    found.is_active = not found.is_active
    found.save(update_fields=["is_active", "updated_at"])
    text = _("Trigger «%(name)s» is on.") if found.is_active else _("Trigger «%(name)s» is off.")
    messages.success(request, text % {"name": found.name})
    return redirect("automation:triggers")
