"""The helpdesk view: one search box and a plain-language health card per system."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from diagnostics.models import CheckResult
from portal.health import AMBER, GREEN, RED, with_health
from portal.models import SapSystem

MAX_CARDS = 24


@dataclass(frozen=True)
class Card:
    system: SapSystem
    health: str
    headline: str
    detail: str


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local:%H:%M}" if local.date() == timezone.localdate() else f"{local:%d %b %H:%M}"


def card_for(system: SapSystem, finding: CheckResult | None) -> Card:
    """What a helpdesk agent can read out on the phone."""
    name = f"Mail from {system.sid}"
    since = _when(system.health_since)
    if system.health == GREEN:
        return Card(system, GREEN, f"{name} works", f"Checked {_when(system.last_run_at)}.")
    if system.health in (AMBER, RED) and finding is not None:
        verb = "fails" if system.health == RED else "works, with a warning,"
        remedy = f" — {finding.remedy}" if finding.remedy else ""
        return Card(system, system.health, f"{name} {verb} since {since}", f"{finding.summary}{remedy}")
    if system.health in (AMBER, RED):
        return Card(system, system.health, f"{name} has problems since {since}", "See the system's Health tab.")
    return Card(system, "unknown", f"{name} has not been checked yet", "Run the checks to find out.")


def first_findings(run_ids: list[int]) -> dict[int, CheckResult]:
    """The first failing (else warning) check of each run, in one query."""
    bad = CheckResult.objects.filter(run_id__in=run_ids, status__in=["fail", "error", "warn"])
    found: dict[int, CheckResult] = {}
    for result in bad.order_by("run_id", "position", "id"):
        current = found.get(result.run_id)
        if current is None or (current.status == "warn" and result.status != "warn"):
            found[result.run_id] = result
    return found


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
