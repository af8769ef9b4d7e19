"""Running the checks of a system, following a run while it progresses, and test sends."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HTMX_STOP_POLLING, HttpResponseClientRedirect

from diagnostics.models import DiagnosticRun
from diagnostics.runner import is_orphaned, recover
from portal.forms import TestSendForm
from portal.health import run_progress
from portal.models import SapSystem
from portal.roles import permission_required
from portal.runs import NoMailSetup, create_run
from portal.tasks import enqueue_run
from portal.validators import ascii_int
from portal.views.helpdesk import card_fragment
from portal.views.queries import system_for, system_with_health


def _run_for(system: SapSystem, run_id: int) -> DiagnosticRun:
    runs = DiagnosticRun.objects.select_related("system", "test_send").prefetch_related("results")
    run = get_object_or_404(runs, pk=run_id, system=system)
    if is_orphaned(run) and recover(run, enqueue_run):  # the page finds its executor gone: queued again or ended
        run = get_object_or_404(runs, pk=run_id, system=system)
    return run


def _run_fragment(request: HttpRequest, system: SapSystem, run: DiagnosticRun) -> HttpResponse:
    """The run's progress; once finished, status 286 tells HTMX to stop polling (NetBox's way)."""
    response = render(
        request, "portal/partials/run_status.html", {"run": run, "system": system, "rows": run_progress(run)}
    )
    if run.is_finished:
        response.status_code = HTMX_STOP_POLLING
        if request.htmx:  # the header's badge and "since" change with the verdict: swap them too
            headed = system_with_health(system.sid, system.client)
            context = {"system": headed, "setup": getattr(headed, "mail_setup", None), "oob": True}
            response.content += render_to_string("portal/partials/system_health_line.html", context, request).encode()
    return response


def _start(request: HttpRequest, system: SapSystem, send_to: str = "", subject: str = "") -> DiagnosticRun | None:
    """Create a queued run and hand it to a worker; None (with a message) when there is nothing to run."""
    try:
        run = create_run(system, trigger=DiagnosticRun.Trigger.WEB, user=request.user, send_to=send_to, subject=subject,
                         requeue=enqueue_run)  # fmt: skip
    except NoMailSetup as exc:
        messages.error(request, str(exc))
        return None
    enqueue_run(run)
    return run


@require_POST
@permission_required("portal.run_checks", raise_exception=True)
def run_checks(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    run = _start(request, system)
    if run is None:
        return HttpResponseClientRedirect(system_url(system)) if request.htmx else redirect(system_url(system))
    # A helpdesk card follows the run in place (without JavaScript: back to the card on its page).
    if request.POST.get("back") == "helpdesk":
        return card_fragment(request, system.sid, system.client) if request.htmx else redirect(_card_url(system))
    if request.htmx:  # the Health tab swaps the new run in and follows it there, without a reload
        return _run_fragment(request, system, _run_for(system, run.pk))
    return redirect("run_detail", sid=system.sid, client=system.client, run_id=run.pk)


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def run_detail(request: HttpRequest, sid: str, client: str, run_id: int) -> HttpResponse:
    system = system_for(sid, client)
    run = _run_for(system, run_id)
    if request.htmx:
        return _run_fragment(request, system, run)
    context = {"system": system, "setup": getattr(system, "mail_setup", None), "run": run, "tab": "health",
               "rows": run_progress(run)}  # fmt: skip
    return render(request, "portal/run_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("portal.send_test_mail", raise_exception=True)
def test_send(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    setup = getattr(system, "mail_setup", None)
    form = TestSendForm(
        request.POST if request.method == "POST" else None, initial={"recipient": setup.test_recipient if setup else ""}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (run := _start(request, system, form.cleaned_data["recipient"], form.cleaned_data["subject"]))
    ):
        return redirect(f"{reverse('test_send', args=[system.sid, system.client])}?run={run.pk}")
    shown = ascii_int(request.GET.get("run"))
    run = _run_for(system, shown) if shown is not None else None
    context = {"system": system, "setup": setup, "form": form, "run": run, "tab": "test_send",
               "rows": run_progress(run) if run else []}  # fmt: skip
    return render(request, "portal/test_send.html", context)


def system_url(system: SapSystem) -> str:
    return reverse("system_detail", args=[system.sid, system.client])


def _card_url(system: SapSystem) -> str:
    return f"{reverse('helpdesk')}?q={system.sid}#card-{system.sid}-{system.client}"
