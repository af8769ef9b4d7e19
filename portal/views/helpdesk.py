"""The helpdesk page: one search box and a plain-language health card per system, most urgent first;
a card re-runs its checks in place and follows the run until the new verdict is in."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HTMX_STOP_POLLING

from diagnostics.models import DiagnosticRun
from diagnostics.runner import is_orphaned, recover
from portal.health import most_urgent_first, with_first_finding, with_health
from portal.helpdesk_cards import Card, card_for
from portal.models import SapSystem
from portal.roles import permission_required
from portal.tasks import enqueue_run

MAX_CARDS = 24


def _annotated() -> QuerySet[SapSystem]:
    return with_first_finding(with_health(SapSystem.objects.select_related("mail_setup")))


def _card(request: HttpRequest, system: SapSystem, *, checking: bool = False) -> Card:
    link = request.build_absolute_uri(reverse("system_detail", args=[system.sid, system.client]))
    return card_for(system, link, checking=checking)


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def helpdesk(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    systems = most_urgent_first(_annotated())
    if text:
        systems = systems.filter(Q(sid__icontains=text) | Q(description__icontains=text) | Q(owner__icontains=text))
    shown = list(systems[:MAX_CARDS])
    context = {"cards": [_card(request, system) for system in shown], "q": text, "more": len(shown) == MAX_CARDS}
    template = "portal/helpdesk.html#helpdesk-cards" if request.htmx else "portal/helpdesk.html"
    return render(request, template, context)


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def helpdesk_card(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    return card_fragment(request, sid, client)


def card_fragment(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    """One card: while its system's newest run is unfinished it polls; once done, status 286 stops it.
    Also the answer to "Run checks again" from a card (``runs.run_checks``)."""
    system = get_object_or_404(_annotated(), sid=sid.upper(), client=client)
    newest = system.runs.order_by("-created_at", "-id").first()
    if newest is not None and is_orphaned(newest) and recover(newest, enqueue_run):  # its worker is gone
        newest.refresh_from_db()
    checking = newest is not None and newest.state in (DiagnosticRun.State.QUEUED, DiagnosticRun.State.RUNNING)
    response = render(
        request, "portal/partials/helpdesk_card.html", {"card": _card(request, system, checking=checking)}
    )
    if not checking and request.htmx:
        response.status_code = HTMX_STOP_POLLING
    return response
