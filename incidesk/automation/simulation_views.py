"""The progress and result of a simulation the worker runs (`runs`), polled by the rule form."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from incidesk.automation.models import SimulationRun
from incidesk.automation.runs import result_of
from incidesk.web.access import manager_required


@manager_required
@require_GET
def simulation_run(request: HttpRequest, simulation_run: int) -> HttpResponse:
    """How far the run got, or its result (the fragment stops polling once there is one)."""
    found = SimulationRun.objects.filter(pk=simulation_run).first()
    if found is None:
        raise Http404(_("This simulation was not found."))
    context = {"run": found, "simulation": result_of(found)}
    return render(request, "automation/_simulation_run.html", context)
