"""The helpdesk page: one search box and a plain-language health card per system."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.health import first_findings, with_health
from portal.helpdesk_cards import card_for
from portal.models import SapSystem
from portal.roles import permission_required

MAX_CARDS = 24


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def helpdesk(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    systems = with_health(SapSystem.objects.all()).order_by("sid", "client")
    if text:
        systems = systems.filter(Q(sid__icontains=text) | Q(description__icontains=text) | Q(owner__icontains=text))
    shown = list(systems[:MAX_CARDS])
    findings = first_findings([s.last_run_id for s in shown if s.last_run_id])
    cards = [card_for(system, findings.get(system.last_run_id)) for system in shown]
    context = {"cards": cards, "q": text, "more": len(shown) == MAX_CARDS}
    template = "portal/helpdesk.html#helpdesk-cards" if request.htmx else "portal/helpdesk.html"
    return render(request, template, context)
