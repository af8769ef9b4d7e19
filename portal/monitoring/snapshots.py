"""The fleet on each day (systems by health, by mail option and by progress off Basic auth), and the trend
the dashboard draws from it.

``take`` runs hourly and overwrites today's row, so a day's snapshot is its last hour's count and a beat
that missed an hour loses nothing. Snapshots are kept for good: they are the only history of the fleet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count

from portal import dates
from portal.fleet import NO_SETUP, option_labels
from portal.health import with_health
from portal.models import Health, SapSystem
from portal.monitoring.models import FleetSnapshot
from portal.progress import retiring_options, with_progress

TREND_DAYS = 30
# Stacking order of the health chart, from the bottom: what needs action first.
HEALTH_STACK = (Health.RED, Health.STALE, Health.AMBER, Health.UNKNOWN, Health.GREEN)


def counts() -> dict[str, Any]:
    """The fleet now, by health, by option and by progress off Basic auth, in one query."""
    systems = with_progress(with_health(SapSystem.objects.order_by()))
    rows = systems.values("health", "mail_setup__option", "progress").annotate(n=Count("pk"))
    by_health: dict[str, int] = {}
    by_option: dict[str, int] = {}
    by_progress: dict[str, int] = {}
    for row in rows:
        by_health[row["health"]] = by_health.get(row["health"], 0) + row["n"]
        option = row["mail_setup__option"] or NO_SETUP
        by_option[option] = by_option.get(option, 0) + row["n"]
        by_progress[row["progress"]] = by_progress.get(row["progress"], 0) + row["n"]
    return {
        "total": sum(by_option.values()),
        "by_health": by_health,
        "by_option": by_option,
        "by_progress": by_progress,
    }


def take(day: date) -> FleetSnapshot:
    snapshot, _ = FleetSnapshot.objects.update_or_create(day=day, defaults={**counts(), "generated": False})
    return snapshot


@dataclass(frozen=True)
class Column:
    """One day of a stacked chart: segments as (css class, label, count, y, height) in a 0–100 box."""

    day: date
    x: int
    segments: list[tuple[str, str, int, float, float]]
    total: int


def _columns(
    snapshots: list[FleetSnapshot], field: str, stack: list[tuple[str, str, str]], first: date
) -> list[Column]:
    widest = max((snapshot.total for snapshot in snapshots), default=0) or 1
    columns = []
    for snapshot in snapshots:
        values, y, segments = getattr(snapshot, field), 100.0, []
        for key, css, label in stack:
            if count := values.get(key, 0):
                height = 100.0 * count / widest
                y -= height
                segments.append((css, label, count, round(y, 2), round(height, 2)))
        columns.append(Column(snapshot.day, (snapshot.day - first).days * 10, segments, snapshot.total))
    return columns


def window(today: date, days: int) -> list[FleetSnapshot]:
    """The snapshots of the last ``days`` days, oldest first: one query, which the trend and the burndown share."""
    return list(FleetSnapshot.objects.filter(day__gt=today - timedelta(days=days), day__lte=today).order_by("day"))


def trend(
    today: date, days: int = TREND_DAYS, now: dict[str, Any] | None = None, rows: list[FleetSnapshot] | None = None
) -> dict[str, Any]:
    """The last ``days`` days of snapshots, as the dashboard's two small charts need them (one query).

    ``now``: today's counts as the caller has them (the dashboard does), for a day not snapshotted yet;
    else they are counted here (one more query). ``rows``: ``window``'s snapshots, when the caller has them."""
    first = today - timedelta(days=days - 1)
    snapshots = [s for s in (rows if rows is not None else window(today, days)) if s.day >= first]
    if not snapshots or snapshots[-1].day != today:  # before the day's first snapshot: today as it stands
        snapshots.append(FleetSnapshot(day=today, **(now or counts())))
    health_stack = [(state.value, f"health-{state.value}", str(state.counted)) for state in HEALTH_STACK]
    option_stack = [(code, f"segment option-{code}", str(label)) for code, label in option_labels().items()]
    retiring = {*retiring_options(), NO_SETUP}

    def off_basic(snapshot: FleetSnapshot) -> int:
        moved = snapshot.total - sum(snapshot.by_option.get(code, 0) for code in retiring)
        return round(100 * moved / snapshot.total) if snapshot.total else 0

    health, options = (
        _columns(snapshots, "by_health", health_stack, first),
        _columns(snapshots, "by_option", option_stack, first),
    )
    rows = [{"day": s.day, "generated": s.generated,
             "counts": [s.by_health.get(key, 0) for key, _, _ in health_stack] + [s.by_option.get(key, 0) for key, _, _ in option_stack]}
            for s in snapshots]  # fmt: skip
    ticks = [(day, (day - first).days * 10) for day in (first + timedelta(days=n) for n in range(0, days, 7))]
    return {
        "days": days,
        "width": days * 10,
        "charts": [("Health", health, health_stack), ("Mail option", options, option_stack)],
        "rows": rows,
        "health_legend": health_stack,
        "option_legend": option_stack,
        "ticks": [(dates.day(day)[:6], x) for day, x in ticks],
        "first": snapshots[0] if snapshots else None,
        "last": snapshots[-1] if snapshots else None,
        "off_basic_first": off_basic(snapshots[0]) if snapshots else None,
        "off_basic_last": off_basic(snapshots[-1]) if snapshots else None,
        "generated_until": max((s.day for s in snapshots if s.generated), default=None),
    }
