"""Where the fleet stands on the way off Basic auth: counts by option, role and health, blockers, the next milestone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from connectors.retirement import DEFAULT_MILESTONES, Milestone, next_milestone, parse_milestones
from portal.health import AMBER, GREEN, HEALTH_LABELS, RED, UNKNOWN, most_urgent_first, with_first_finding, with_health
from portal.models import Option, Product, Role, SapSystem
from portal.reasons import attach_reasons

NO_SETUP = "none"
OPTION_ORDER = [*Option.values, NO_SETUP]
OPTION_LABELS = {**dict(Option.choices), NO_SETUP: "not set up"}
# Blues and purples only: green, amber, red and grey mean health on every page, so no option wears
# them (Basic auth is not "red", OAuth not "green"). "Not set up" is hatched (an SVG pattern).
OPTION_COLOURS = {
    "oauth2": "#1e40af", "direct_send": "#0e7490", "relay_connector": "#6d28d9", "relay_server": "#a21caf",
    "smtp_basic": "#334155", NO_SETUP: "url(#no-setup)",
}  # fmt: skip
OAUTH_MIN_RELEASE = 750
BAR_WIDTH = 560


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    segments: list[dict[str, Any]]

    @property
    def end(self) -> float:
        return sum(segment["width"] for segment in self.segments)


def milestones() -> tuple[Milestone, ...]:
    return parse_milestones(settings.PORTAL_BASIC_AUTH_MILESTONES or []) or DEFAULT_MILESTONES


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
    for role, label in [*Role.choices, ("", "no role")]:
        counts = by_role.get(role, {})
        x, segments = 0.0, []
        for option in OPTION_ORDER:
            if count := counts.get(option, 0):
                width = BAR_WIDTH * count / widest
                segments.append({"option": option, "label": OPTION_LABELS[option], "count": count, "x": x,
                                 "width": width, "colour": OPTION_COLOURS[option]})  # fmt: skip
                x += width
        if counts:
            bars.append(Bar(str(label), sum(counts.values()), segments))
    return bars


def _role_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Systems per landscape role and option, in the legend's column order (the chart as a table)."""
    table = []
    for role, label in [*Role.choices, ("", "no role")]:
        counts = [sum(r["n"] for r in rows if (r["role"] or "") == role and _option_key(r) == o) for o in OPTION_ORDER]
        if any(counts):
            table.append({"label": str(label), "counts": counts, "total": sum(counts)})
    return table


def blockers(systems: QuerySet[SapSystem]) -> dict[str, list[SapSystem]]:
    """Systems on Basic auth (or without a setup) whose release cannot do OAuth, and failing systems."""
    on_basic = Q(mail_setup__option=Option.SMTP_BASIC) | Q(mail_setup__isnull=True)
    old = Q(basis_release__lt=OAUTH_MIN_RELEASE) & ~Q(product__in=[Product.BTP_ABAP, Product.S4_PUBLIC])
    return {
        "old_release": list(systems.filter(on_basic & old).order_by("sid", "client")[:50]),
        "failing": attach_reasons(most_urgent_first(with_first_finding(systems.filter(health=RED)))[:50]),
    }


def summary(today: date) -> dict[str, Any]:
    systems = with_health(SapSystem.objects.select_related("mail_setup"))
    rows = list(SapSystem.objects.order_by().values("role", "mail_setup__option").annotate(n=Count("pk")))
    by_option = {option: 0 for option in OPTION_ORDER}
    for row in rows:
        by_option[_option_key(row)] += row["n"]
    health = {row["health"]: row["n"] for row in systems.order_by().values("health").annotate(n=Count("pk"))}
    total = sum(by_option.values())
    off_basic = total - by_option[Option.SMTP_BASIC] - by_option[NO_SETUP]
    upcoming = next_milestone(milestones(), today)
    return {
        "total": total,
        "by_option": [(OPTION_LABELS[o], by_option[o], OPTION_COLOURS[o], o) for o in OPTION_ORDER],
        "by_health": [(h, HEALTH_LABELS[h], health.get(h, 0)) for h in (GREEN, AMBER, RED, UNKNOWN)],
        "bars": _role_bars(rows),
        "role_table": _role_table(rows),
        "bar_width": BAR_WIDTH,
        "off_basic": off_basic,
        "progress": round(100 * off_basic / total) if total else 100,
        "milestone": upcoming,
        "days_left": (upcoming.date - today).days if upcoming else None,
        "blockers": blockers(systems),
    }
