"""The burndown: systems not yet off Basic auth, day by day from the daily snapshots, against Microsoft's
milestones, and the day the current pace reaches zero.

"Not yet off" is what the dashboard's headline calls still on Basic auth plus not set up
(``portal.progress``): both still have to move. The pace is a straight line fitted by least squares
through the last ``PACE_DAYS`` days' counts (``statistics.linear_regression``), today's live count
included; it needs a week of snapshots before it says anything.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

from connectors.retirement import Milestone, next_milestone
from diagnostics.milestones import configured_milestones
from portal.monitoring.models import FleetSnapshot
from portal.monitoring.snapshots import window
from portal.progress import Progress

WINDOW_DAYS = 90  # the history the chart shows
PACE_DAYS = 28  # the pace is fitted through the last four weeks
MIN_PACE_SPAN = 7  # days between the first and last point before a pace is worth saying
HORIZON_DAYS = 366  # the chart looks this far ahead at most (a milestone, the projected day)
NOT_OFF = (Progress.ON_BASIC, Progress.NOT_SET_UP)
# The chart's box (SVG user units); lines keep their width however the box is stretched.
WIDTH, HEIGHT, TOP, BOTTOM = 1000, 200, 10, 190


def not_off(by_progress: dict[str, int]) -> int:
    return sum(by_progress.get(str(place), 0) for place in NOT_OFF)


@dataclass(frozen=True)
class Point:
    day: date
    count: int
    generated: bool = False  # a made-up demo day (load_demo), not measured


@dataclass(frozen=True)
class Marker:
    """A milestone on the chart: where (0-100 % of the width, and in box units) and what."""

    milestone: Milestone
    percent: float
    x: float

    @property
    def align(self) -> str:
        """Where its label hangs from the line: near an edge it stays inside the chart."""
        return "start" if self.percent < 12 else "end" if self.percent > 88 else "middle"


@dataclass
class Burndown:
    points: list[Point]
    today: date
    milestone: Milestone | None  # the next one
    first_snapshot: date | None = None  # the oldest snapshot in the window (today's live count is none)
    slope: float | None = None  # systems per day (negative: falling); None: too early to say
    pace_since: date | None = None
    start: date | None = None
    end: date | None = None
    line: str = ""  # the counts as an SVG polyline, in box units
    projection: str = ""  # from today's count on at the current pace
    markers: list[Marker] = field(default_factory=list)
    top: int = 1  # the count at the top of the box

    @property
    def current(self) -> int:
        return self.points[-1].count if self.points else 0

    @property
    def per_week(self) -> float | None:
        """Systems moved off per week at the current pace (negative: more came on)."""
        return None if self.slope is None else round(-self.slope * 7, 1)

    @property
    def zero_day(self) -> date | None:
        """The day the current pace reaches zero, when it falls and gets there within the horizon."""
        if self.slope is None or self.slope >= 0 or self.current == 0:
            return None
        days = math.ceil(self.current / -self.slope)
        return self.today + timedelta(days=days) if days <= HORIZON_DAYS * 10 else None

    @property
    def margin_days(self) -> int | None:
        """Days between the projected day and the next milestone: positive when it comes before."""
        if self.zero_day is None or self.milestone is None:
            return None
        return (self.milestone.date - self.zero_day).days

    @property
    def late_days(self) -> int | None:
        return None if self.margin_days is None else -self.margin_days

    @property
    def at_milestone(self) -> int | None:
        """How many are still not off on the next milestone's day at the current pace."""
        if self.slope is None or self.milestone is None:
            return None
        return max(0, round(self.current + self.slope * (self.milestone.date - self.today).days))

    @property
    def label_start(self) -> bool:
        """The first day's label, unless a milestone's label would sit on it."""
        return not any(marker.percent < 25 for marker in self.markers)

    @property
    def label_end(self) -> bool:
        return not any(marker.percent > 75 for marker in self.markers)

    @property
    def pace_days(self) -> int | None:
        return (self.today - self.pace_since).days + 1 if self.pace_since else None

    @property
    def pace_first(self) -> Point | None:
        return next((point for point in self.points if point.day >= self.pace_since), None) if self.pace_since else None

    @property
    def generated_until(self) -> date | None:
        return max((point.day for point in self.points if point.generated), default=None)


def burndown(today: date, now: dict[str, int] | None = None, rows: list[FleetSnapshot] | None = None) -> Burndown:
    """The last ``WINDOW_DAYS`` days of snapshots (``rows`` when the caller has them from ``snapshots.window``,
    else one query) and today's count: ``now`` is today's ``by_progress`` as the dashboard has it already;
    without it today's snapshot (if any) stands for today."""
    rows = rows if rows is not None else window(today, WINDOW_DAYS)
    points = [Point(s.day, not_off(s.by_progress), s.generated) for s in rows if s.by_progress]
    first_snapshot = points[0].day if points else None
    if now is not None:
        points = [point for point in points if point.day != today] + [Point(today, not_off(now))]
    milestones = configured_milestones()
    result = Burndown(points, today, next_milestone(milestones, today), first_snapshot=first_snapshot)
    if points:
        _fit(result)
        _draw(result, milestones)
    return result


def _fit(result: Burndown) -> None:
    since = result.today - timedelta(days=PACE_DAYS - 1)
    recent = [point for point in result.points if point.day >= since]
    if len(recent) < 2 or (recent[-1].day - recent[0].day).days < MIN_PACE_SPAN:
        return
    xs = [float((point.day - result.today).days) for point in recent]
    ys = [float(point.count) for point in recent]
    if len(set(ys)) == 1:
        result.slope = 0.0  # flat: linear_regression would say so too, without rounding noise
    else:
        result.slope = statistics.linear_regression(xs, ys).slope
    result.pace_since = recent[0].day


def _draw(result: Burndown, milestones: tuple[Milestone, ...]) -> None:
    start, today = result.points[0].day, result.today
    horizon = today + timedelta(days=HORIZON_DAYS)
    ahead = [m.date for m in milestones if today <= m.date <= horizon]
    if result.zero_day and result.zero_day <= horizon:
        ahead.append(result.zero_day)
    end = max([today + timedelta(days=7), *ahead])
    span = (end - start).days or 1
    result.start, result.end = start, end
    result.top = max(max(point.count for point in result.points), 1)

    def x(day: date) -> float:
        return round(WIDTH * (day - start).days / span, 1)

    def y(count: float) -> float:
        return round(BOTTOM - (BOTTOM - TOP) * count / result.top, 1)

    result.line = " ".join(f"{x(point.day)},{y(point.count)}" for point in result.points)
    if result.slope is not None:
        stop = min(result.zero_day or end, end)
        left = max(0.0, result.current + result.slope * (stop - today).days)
        result.projection = f"{x(today)},{y(result.current)} {x(stop)},{y(min(left, result.top))}"
    result.markers = [
        Marker(m, round(100 * (m.date - start).days / span, 1), x(m.date)) for m in milestones if start <= m.date <= end
    ]
