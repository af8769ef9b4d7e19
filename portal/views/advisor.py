"""The option advisor: a few questions, a recommendation with its reasons, and applying it to a system."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from connectors.advisor import advise
from portal.forms import AdvisorForm, ApplyAdviceForm
from portal.models import AuditEvent, MailSetup, SapSystem, audit_changes, setup_snapshot
from portal.roles import permission_required
from portal.views.queries import system_for


def _system_from(request: HttpRequest) -> SapSystem | None:
    sid, _, client = request.GET.get("system", "").replace("\x00", "").partition("/")
    if not (sid.isascii() and client.isascii()):  # upper() would turn "ßa" into "SSA"
        return None
    return SapSystem.objects.filter(sid=sid.upper(), client=client).select_related("mail_setup").first()


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def advisor(request: HttpRequest) -> HttpResponse:
    system = _system_from(request)
    asked = "product" in request.GET
    initial = {"product": system.product, "basis_release": system.basis_release} if system else {}
    form = AdvisorForm(request.GET if asked else None, initial=initial)
    advice = advise(form.facts()) if asked and form.is_valid() else None
    return render(request, "portal/advisor.html", {"form": form, "advice": advice, "system": system})


@require_POST
@permission_required("portal.change_mailsetup", raise_exception=True)
def advisor_apply(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    form = ApplyAdviceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That option cannot be applied.")
        return redirect("setup_edit", sid=system.sid, client=system.client)
    existing = MailSetup.objects.filter(system=system).first()
    setup = existing or MailSetup(system=system)
    before = setup_snapshot(existing)
    setup.option = form.cleaned_data["option"]
    setup.credential = form.cleaned_data["credential"] or setup.credential
    setup.save()
    AuditEvent.record(
        "mail_setup.updated" if existing else "mail_setup.created",
        source=AuditEvent.Source.WEB,
        system=system,
        actor=request.user,
        changes=audit_changes(before, setup_snapshot(setup), {"client_secret", "private_key"}),
    )
    messages.success(request, f"{system} now uses {setup.get_option_display()}. Fill in its values below.")
    return redirect("setup_edit", sid=system.sid, client=system.client)
