"""Where the fleet stands on the way off Basic auth: the headline, counts by option, role and health, the next milestone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count

from connectors.products import role_choices
from connectors.registry import option_choices
from connectors.retirement import next_milestone
from diagnostics.milestones import configured_milestones
from portal.health import with_health
from portal.models import Health, SapSystem
from portal.progress import Progress, percent, with_progress

NO_SETUP = "none"  # the filter value (and colour class) of systems without a mail setup


def _option_labels() -> dict[str, str]:
    """Every registered option in the registry's order, then the systems without a setup."""
    return {**dict(option_choices()), NO_SETUP: "not set up"}


option_labels = _option_labels  # the same legend for the dashboard's trend (portal.monitoring.snapshots)


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


@dataclass(frozen=True)
class Headline:
    """The four numbers (``progress.Progress``), their share of the bar, and what stands behind "healthy"."""

    counts: dict[str, int]  # Progress value -> systems
    total: int
    with_warnings: int  # moved and healthy, but amber: mail flows with something to watch

    @property
    def percent(self) -> int:
        return percent(self.counts[Progress.MOVED_HEALTHY], self.total)

    def parts(self) -> list[dict[str, Any]]:
        """Each number with its label and where its bar segment starts (in systems), in Progress order."""
        start, parts = 0, []
        for state in Progress:
            count = self.counts[state]
            parts.append({"state": state, "label": state.label, "count": count, "start": start})
            start += count
        return parts


def _headline(rows: list[dict[str, Any]]) -> Headline:
    counts = dict.fromkeys(Progress, 0)
    for row in rows:
        counts[Progress(row["progress"])] += row["n"]
    amber = sum(r["n"] for r in rows if r["progress"] == Progress.MOVED_HEALTHY and r["health"] == Health.AMBER)
    return Headline(counts, sum(counts.values()), amber)


def fleet_rows() -> list[dict[str, Any]]:
    """Systems counted by role, option, health, progress and owner: one query feeds every number of the dashboard."""
    systems = with_progress(with_health(SapSystem.objects.all()))
    fields = ("role", "mail_setup__option", "health", "progress", "owner")
    return list(systems.order_by().values(*fields).annotate(n=Count("pk")))


def summary(today: date) -> dict[str, Any]:
    rows = fleet_rows()
    labels = _option_labels()
    by_option = dict.fromkeys(labels, 0)
    health = dict.fromkeys(Health, 0)
    for row in rows:
        by_option[_option_key(row)] += row["n"]
        health[Health(row["health"])] += row["n"]
    upcoming = next_milestone(configured_milestones(), today)
    bars = _role_bars(rows)
    return {
        "headline": _headline(rows),
        "total": sum(by_option.values()),
        "by_option": [(label, by_option[o], o) for o, label in labels.items()],
        "by_health": list(health.items()),
        "bars": bars,
        "widest": max((bar.total for bar in bars), default=1),  # the longest bar fills the chart's width
        "role_table": _role_table(rows),
        "owners": sorted({row["owner"] for row in rows if row["owner"]}, key=str.casefold),
        "milestone": upcoming,
        "days_left": (upcoming.date - today).days if upcoming else None,
    }
