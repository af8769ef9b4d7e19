"""A system's last 30 days: bands of green, amber and red (each red band with the code behind it), how long
it took to recover from red, and the share of checks that passed. Three queries, whatever the number of runs.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery

from diagnostics.findings import Status
from diagnostics.models import CheckResult, DiagnosticRun
from portal import dates
from portal.health import VERDICT_HEALTH
from portal.models import Health, SapSystem

DAYS = 30
WIDTH = 1000  # the SVG's units across the whole window
RED_ROWS = 8  # red stretches listed under the chart (the chart shows them all)


@dataclass(frozen=True)
class Band:
    start: datetime
    end: datetime
    health: str
    code: str  # the first failing check's code, red bands only
    runs: int
    x: float
    width: float

    @property
    def label(self) -> str:
        state = Health(self.health)
        what = f"{state.label}: {state.meaning}" if state != Health.UNKNOWN else "No result"
        code = f" ({self.code})" if self.code else ""
        runs = f", {self.runs} run{'s' if self.runs != 1 else ''}" if self.runs else ""
        return f"{what}{code}, {dates.when(self.start)} to {dates.when(self.end)}{runs}"

    @property
    def lasted(self) -> str:
        return dates.duration(self.end - self.start)


def _points(system: SapSystem, start: datetime) -> list[tuple[datetime, str, str]]:
    """(time, health, code) per finished run since ``start``, led by the last run before it (the health at the
    start); one query, the first failing check's code read alongside each run."""
    done = DiagnosticRun.objects.filter(system=system, state=DiagnosticRun.State.DONE)
    before = done.filter(finished_at__lt=start).order_by("-finished_at", "-id").values("pk")[:1]
    failing = CheckResult.objects.filter(run=OuterRef("pk"), status__in=(Status.FAIL, Status.ERROR))
    runs = (
        done.filter(Q(finished_at__gte=start) | Q(pk__in=Subquery(before)))
        .annotate(code=Subquery(failing.order_by("position", "id").values("code")[:1]))
        .order_by("finished_at", "id")
        .values_list("finished_at", "verdict", "code")
    )
    return [(max(moment, start), VERDICT_HEALTH.get(verdict, Health.UNKNOWN),
             (code or "") if VERDICT_HEALTH.get(verdict) == Health.RED else "") for moment, verdict, code in runs]  # fmt: skip


def _bands(points: list[tuple[datetime, str, str]], start: datetime, now: datetime) -> list[Band]:
    span = (now - start).total_seconds()
    spans: list[list[Any]] = []  # [start, health, code, runs]
    if not points or points[0][0] > start:
        spans.append([start, Health.UNKNOWN, "", 0])
    for moment, health, code in points:
        if spans and spans[-1][1] == health and spans[-1][2] == code:
            spans[-1][3] += 1
        else:
            spans.append([moment, health, code, 1])
    bands = []
    for index, (begin, health, code, runs) in enumerate(spans):
        end = spans[index + 1][0] if index + 1 < len(spans) else now
        x = WIDTH * (begin - start).total_seconds() / span
        width = WIDTH * (end - begin).total_seconds() / span
        bands.append(Band(begin, end, health, code, runs, round(x, 2), round(max(width, 0.5), 2)))
    return bands


def _recoveries(bands: list[Band]) -> list[timedelta]:
    """How long each stretch of red lasted until the system left red (stretches still red now do not count)."""
    took, red_since = [], None
    for band in bands:
        if band.health == Health.RED:
            red_since = red_since or band.start
        elif red_since is not None:
            took.append(band.start - red_since)
            red_since = None
    return took


def _passed_share(system: SapSystem, start: datetime) -> tuple[int | None, int]:
    results = CheckResult.objects.filter(
        run__system=system, run__state=DiagnosticRun.State.DONE, run__finished_at__gte=start
    ).exclude(status=Status.SKIPPED)
    totals = results.aggregate(total=Count("pk"), passed=Count("pk", filter=Q(status=Status.PASS)))
    total = totals["total"] or 0
    return (round(100 * totals["passed"] / total) if total else None), total


def timeline(system: SapSystem, now: datetime, days: int = DAYS) -> dict[str, Any]:
    start = now - timedelta(days=days)
    bands = _bands(_points(system, start), start, now)
    recoveries = _recoveries(bands)
    red = [band for band in bands if band.health == Health.RED]
    share, checks = _passed_share(system, start)
    ticks = [(dates.day(now - timedelta(days=back))[:6], round(WIDTH * (days - back) / days, 2),
              round(100 * (days - back) / days, 2)) for back in range(days, -1, -7)]  # fmt: skip
    return {
        "days": days,
        "bands": bands,
        "red_bands": red[-RED_ROWS:][::-1],  # newest first
        "red_earlier": max(len(red) - RED_ROWS, 0),
        "ticks": ticks,
        "recoveries": len(recoveries),
        "recover_median": dates.duration(timedelta(seconds=statistics.median(t.total_seconds() for t in recoveries)))
        if recoveries
        else "",
        "recover_longest": dates.duration(max(recoveries)) if recoveries else "",
        "passed_share": share,
        "checks": checks,
        "has_runs": any(band.runs for band in bands),
    }
