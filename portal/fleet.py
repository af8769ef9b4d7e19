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
from portal.health import with_health
from portal.models import Health, SapSystem

NO_SETUP = "none"
OPTION_COLOURS = {
    "oauth2": "#1e7b34", "direct_send": "#0a5ea8", "relay_connector": "#5b3fa8", "relay_server": "#00738a",
    "smtp_basic": "#b3261e", NO_SETUP: "#8a94a3",
}  # fmt: skip
BAR_WIDTH = 560


def _option_labels() -> dict[str, str]:
    """Every registered option in the registry's order, then the systems without a setup."""
    return {**dict(option_choices()), NO_SETUP: "not set up"}


def _retiring() -> list[str]:
    return [code for code, option in OPTIONS.items() if option.retiring]


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    segments: list[dict[str, Any]]

    @property
    def end(self) -> float:
        return sum(segment["width"] for segment in self.segments)


def _option_key(row: dict[str, Any]) -> str:
    return row["mail_setup__option"] or NO_SETUP


def _role_bars(rows: list[dict[str, Any]]) -> list[Bar]:
    """One stacked bar per landscape role, a segment per option, widths in SVG units."""
    by_role: dict[str, dict[str, int]] = {}
    for row in rows:
        by_role.setdefault(row["role"] or "", {}).setdefault(_option_key(row), 0)
        by_role[row["role"] or ""][_option_key(row)] += row["n"]
    widest = max((sum(counts.values()) for counts in by_role.values()), default=1)
    bars = []
    labels = _option_labels()
    for role, label in [*role_choices(), ("", "no role")]:
        counts = by_role.get(role, {})
        x, segments = 0.0, []
        for option, option_label in labels.items():
            if count := counts.get(option, 0):
                width = BAR_WIDTH * count / widest
                segments.append({"option": option, "label": option_label, "count": count, "x": x,
                                 "width": width, "colour": OPTION_COLOURS.get(option, OPTION_COLOURS[NO_SETUP])})  # fmt: skip
                x += width
        if counts:
            bars.append(Bar(str(label), sum(counts.values()), segments))
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
        "failing": list(systems.filter(health=Health.RED).order_by("sid", "client")[:50]),
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
    return {
        "total": total,
        "by_option": [
            (label, by_option[o], OPTION_COLOURS.get(o, OPTION_COLOURS[NO_SETUP]), o) for o, label in labels.items()
        ],
        "by_health": [(state, health.get(state, 0)) for state in Health],
        "bars": _role_bars(rows),
        "role_table": _role_table(rows),
        "bar_width": BAR_WIDTH,
        "off_basic": off_basic,
        "progress": round(100 * off_basic / total) if total else 100,
        "milestone": upcoming,
        "days_left": (upcoming.date - today).days if upcoming else None,
        "blockers": blockers(systems),
    }
