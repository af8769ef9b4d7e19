"""The helpdesk's plain-language health card of a system."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from diagnostics.models import CheckResult
from portal.models import Health, SapSystem


@dataclass(frozen=True)
class Card:
    system: SapSystem
    health: Health
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
    health = system.health_state
    if health == Health.GREEN:
        return Card(system, health, f"{name} works", f"Checked {_when(system.last_run_at)}.")
    if health in (Health.AMBER, Health.RED) and finding is not None:
        verb = "fails" if health == Health.RED else "works, with a warning,"
        remedy = f" — {finding.remedy}" if finding.remedy else ""
        return Card(system, health, f"{name} {verb} since {since}", f"{finding.summary}{remedy}")
    if health in (Health.AMBER, Health.RED):
        return Card(system, health, f"{name} has problems since {since}", "See the system's Health tab.")
    return Card(system, Health.UNKNOWN, f"{name} has not been checked yet", "Run the checks to find out.")
