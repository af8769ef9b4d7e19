"""Where the fleet stands on the way off Basic auth: counts by option, role and health, blockers, the next milestone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from connectors.products import RELEASELESS_PRODUCTS, role_choices
from connectors.registry import OPTIONS, option_choices
from connectors.releases import OAUTH_SECRET_MIN
from connectors.retirement import next_milestone
from diagnostics.milestones import configured_milestones
from portal.health import most_urgent_first, with_first_finding, with_health
from portal.models import Health, SapSystem
from portal.reasons import attach_reasons

NO_SETUP = "none"  # the filter value (and colour class) of systems without a mail setup


def _option_labels() -> dict[str, str]:
    """Every registered option in the registry's order, then the systems without a setup."""
    return {**dict(option_choices()), NO_SETUP: "not set up"}


option_labels = _option_labels  # the same legend for the dashboard's trend (portal.monitoring.snapshots)


def _retiring() -> list[str]:
    return [code for code, option in OPTIONS.items() if option.retiring]


@dataclass(frozen=True)
class Segment:
    option: str  # an option code, or NO_SETUP
    label: str
    count: int
    start: int  # systems before it in the bar: where it starts, counted in systems


@dataclass(frozen=True)
class Bar:
    """One landscape role: its systems, a segment per option. Counts only; the template draws it."""

    label: str
    total: int
    segments: list[Segment]


def _option_key(row: dict[str, Any]) -> str:
    return row["mail_setup__option"] or NO_SETUP


def _role_bars(rows: list[dict[str, Any]]) -> list[Bar]:
    """One stacked bar per landscape role with systems, a segment per option in the legend's order."""
    by_role: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = by_role.setdefault(row["role"] or "", {})
        counts[_option_key(row)] = counts.get(_option_key(row), 0) + row["n"]
    bars = []
    for role, label in [*role_choices(), ("", "no role")]:
        counts = by_role.get(role, {})
        start, segments = 0, []
        for option, option_label in _option_labels().items():
            if count := counts.get(option, 0):
                segments.append(Segment(option, option_label, count, start))
                start += count
        if counts:
            bars.append(Bar(str(label), start, segments))
    return bars


def _role_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Systems per landscape role and option, in the legend's column order (the chart as a table)."""
    table = []
    for role, label in [*role_choices(), ("", "no role")]:
        counts = [
            sum(r["n"] for r in rows if (r["role"] or "") == role and _option_key(r) == o) for o in _option_labels()
        ]
        if any(counts):
            table.append({"label": str(label), "counts": counts, "total": sum(counts)})
    return table


def blockers(systems: QuerySet[SapSystem]) -> dict[str, list[SapSystem]]:
    """Systems on Basic auth (or without a setup) whose release cannot do OAuth, and failing systems."""
    on_basic = Q(mail_setup__option__in=_retiring()) | Q(mail_setup__isnull=True)
    old = Q(basis_release__lt=OAUTH_SECRET_MIN) & ~Q(product__in=RELEASELESS_PRODUCTS)
    return {
        "old_release": list(systems.filter(on_basic & old).order_by("sid", "client")[:50]),
        "failing": attach_reasons(most_urgent_first(with_first_finding(systems.filter(health=Health.RED)))[:50]),
    }


def summary(today: date) -> dict[str, Any]:
    systems = with_health(SapSystem.objects.select_related("mail_setup"))
    rows = list(SapSystem.objects.order_by().values("role", "mail_setup__option").annotate(n=Count("pk")))
    labels = _option_labels()
    by_option = dict.fromkeys(labels, 0)
    for row in rows:
        by_option[_option_key(row)] += row["n"]
    health = {row["health"]: row["n"] for row in systems.order_by().values("health").annotate(n=Count("pk"))}
    total = sum(by_option.values())
    off_basic = total - sum(by_option[code] for code in _retiring()) - by_option[NO_SETUP]
    upcoming = next_milestone(configured_milestones(), today)
    bars = _role_bars(rows)
    return {
        "total": total,
        "by_option": [(label, by_option[o], o) for o, label in labels.items()],
        "by_health": [(state, health.get(state, 0)) for state in Health],
        "bars": bars,
        "widest": max((bar.total for bar in bars), default=1),  # the longest bar fills the chart's width
        "role_table": _role_table(rows),
        "off_basic": off_basic,
        "progress": round(100 * off_basic / total) if total else 100,
        "milestone": upcoming,
        "days_left": (upcoming.date - today).days if upcoming else None,
        "blockers": blockers(systems),
    }
