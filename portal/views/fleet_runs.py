"""Fleet runs on demand: "Check all" / "Check these" on the systems list and the dashboard, and their progress
(HTMX polls the progress card until every member run has finished; without JavaScript the page refreshes)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HTMX_STOP_POLLING, HttpResponseClientRedirect

from diagnostics.models import DiagnosticRun
from portal.fleet_runs import open_fleet_run, progress_of, scope_of
from portal.forms import SystemFilterForm, first_error
from portal.health import with_health
from portal.models import FleetRun, SapSystem
from portal.roles import permission_required
from portal.tasks import enqueue_run


@require_POST
@permission_required("portal.run_checks", raise_exception=True)
def fleet_run_start(request: HttpRequest) -> HttpResponse:
    """The systems the list's filters chose (none: all of them), each checked once on its zone's queue."""
    filters = SystemFilterForm(request.POST)
    if not filters.is_valid():  # filter() would ignore what it cannot read: "Check these" must never mean all
        messages.error(
            request, f"Nothing was checked: the list's filters were not understood ({first_error(filters)})."
        )
        return HttpResponseClientRedirect(reverse("system_list")) if request.htmx else redirect("system_list")
    systems = filters.filter(with_health(SapSystem.objects.all()))
    fleet, started = open_fleet_run(
        systems, trigger=DiagnosticRun.Trigger.WEB, user=request.user, scope=scope_of(filters)
    )
    for run in started:
        enqueue_run(run)
    if request.htmx:
        return _progress(request, fleet)
    return redirect("fleet_run_detail", fleet_id=fleet.pk)


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def fleet_run_detail(request: HttpRequest, fleet_id: int) -> HttpResponse:
    fleet = get_object_or_404(FleetRun.objects.select_related("requested_by"), pk=fleet_id)
    if request.htmx:
        return _progress(request, fleet)
    return render(request, "portal/fleet_run.html", {"fleet": fleet, "progress": progress_of(fleet)})


def _progress(request: HttpRequest, fleet: FleetRun) -> HttpResponse:
    """The progress card; once every run has finished, 286 tells HTMX to stop polling (NetBox's way)."""
    progress = progress_of(fleet)
    response = render(request, "portal/fleet_run.html#fleet-progress", {"fleet": fleet, "progress": progress})
    if progress.done:
        response.status_code = HTMX_STOP_POLLING
    return response
