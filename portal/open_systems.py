"""The systems not yet moved and healthy, with their plan: the dashboard's list, the printable report's and
the export's. One query for the whole list (health, first finding, progress and runbook are annotations)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, QuerySet

from connectors.products import RELEASELESS_PRODUCTS
from connectors.releases import OAUTH_SECRET_MIN
from connectors.retirement import Milestone
from portal.health import most_urgent_first, with_first_finding, with_health
from portal.models import SapSystem
from portal.progress import Progress, with_progress
from portal.reasons import attach_reasons
from portal.runbooks import with_runbook_progress

PLAN_FIELDS = {"owner": "owner", "target_option": "target option", "target_date": "target date"}


def open_queryset(*, owner: str = "", role: str = "") -> QuerySet[SapSystem]:
    """Every system not moved and healthy; ``owner`` and ``role`` narrow it (the manager's filters).
    No plan first, then by target date, then most urgent."""
    systems = with_progress(with_health(SapSystem.objects.select_related("mail_setup")))
    systems = systems.exclude(progress=Progress.MOVED_HEALTHY)
    if owner:
        systems = systems.filter(owner__iexact=owner)
    if role:
        systems = systems.filter(role=role)
    systems = most_urgent_first(with_runbook_progress(with_first_finding(systems)))
    return systems.order_by(F("target_date").asc(nulls_first=True), "urgency", "role_rank", "sid", "client")


def open_systems(today: date, milestone: Milestone | None, *, owner: str = "", role: str = "") -> list[SapSystem]:
    """The open systems, each told what the list shows: its plan, how it stands against the dates."""
    systems = attach_reasons(open_queryset(owner=owner, role=role))
    for system in systems:
        describe(system, today, milestone)
    return systems


def describe(system: SapSystem, today: date, milestone: Milestone | None) -> None:
    """Set the list's words on an open system: what its plan lacks, whether it is overdue, its margin to
    Microsoft's next milestone, and what blocks it."""
    system.plan_missing = [label for name, label in PLAN_FIELDS.items() if not getattr(system, name)]
    system.overdue_days = (today - system.target_date).days if system.target_date and system.target_date < today else 0
    must_move = system.progress in (Progress.ON_BASIC, Progress.NOT_SET_UP)
    system.margin_days = (
        (milestone.date - system.target_date).days if must_move and milestone and system.target_date else None
    )
    system.late_days = -system.margin_days if system.margin_days is not None and system.margin_days < 0 else 0
    system.blocker = _blocker(system)


def too_old_for_oauth(system: SapSystem) -> bool:
    return (
        bool(system.basis_release)
        and system.basis_release < OAUTH_SECRET_MIN
        and (system.product not in RELEASELESS_PRODUCTS)
    )


def _blocker(system: Any) -> str:
    """What stands between the system and "moved and healthy", in a few words (the reason, when it fails)."""
    if system.progress == Progress.NOT_SET_UP:
        return "No mail setup recorded yet."
    if system.progress == Progress.ON_BASIC:
        if system.basis_release is None and system.product not in RELEASELESS_PRODUCTS:
            return "SAP_BASIS release not recorded: record it to know whether OAuth 2.0 is possible."
        if too_old_for_oauth(system):
            return (
                f"SAP_BASIS {system.release_label} is too old for OAuth: Direct Send, a relay connector or a "
                "relay server (or an upgrade)."
            )
        return "Can move to OAuth 2.0 now (SAP_BASIS 7.50 or later)."
    return ""  # moved but failing: the reason says why
