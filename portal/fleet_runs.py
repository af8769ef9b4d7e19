"""Fleet runs: the checks of many systems started together ("Check all" / "Check these" on the systems list and
the dashboard, ``manage.py diagnose --all``), and how far they have come.

A fleet run is a ``FleetRun`` and its member runs, one per system with a mail setup. A system that already has a
run queued or running joins with that run: a click never opens a second SMTP connection to a mailbox (nor a
second sign-in) while one is under way. Members are ordinary runs, so each system's page follows them as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from diagnostics.models import DiagnosticRun
from portal.forms import SystemFilterForm
from portal.health import first_findings, with_health
from portal.models import FleetRun, SapSystem
from portal.reasons import reason_for
from portal.runs import create_runs
from portal.workers import serving_zone, zone_label

State, Verdict = DiagnosticRun.State, DiagnosticRun.Verdict
FAILING = (Verdict.FAILED, Verdict.ERROR)
SHOWN_PROBLEMS = 20  # problems named on the progress card; the rest are counted


def open_fleet_run(
    systems: QuerySet[SapSystem], *, trigger: str, user: Any = None, scope: str = ""
) -> tuple[FleetRun, list[DiagnosticRun]]:
    """A fleet run of ``systems`` that have a mail setup, and the runs it had to start (the rest were joined).
    The caller hands those to workers (the pages) or executes them itself (``diagnose --all``)."""
    opened = create_runs(systems.select_related("mail_setup"), trigger=trigger, user=user)
    fleet = FleetRun.objects.create(
        trigger=trigger, requested_by=user if getattr(user, "is_authenticated", False) else None, scope=scope
    )
    fleet.runs.add(*[run for run, _ in opened.values()])
    return fleet, [run for run, created in opened.values() if created]


@dataclass(frozen=True)
class Progress:
    total: int
    finished: int
    passed: int
    warning: int
    failing: int  # failed or errored
    not_run: int  # aborted: could not start, or its worker was lost for good
    problems: list[tuple[DiagnosticRun, str]] = field(default_factory=list)  # (run, why), by SID

    @property
    def done(self) -> bool:
        return self.finished >= self.total

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 100


def progress_of(fleet: FleetRun) -> Progress:
    """Counts of the members by state and verdict, the first problems and why (three queries)."""
    counts = {
        (row["state"], row["verdict"]): row["n"]
        for row in fleet.runs.values("state", "verdict").annotate(n=Count("pk"))
    }

    def count(state: str, *verdicts: str) -> int:
        return sum(n for (s, v), n in counts.items() if s == state and (not verdicts or v in verdicts))

    problems = list(
        fleet.runs.filter(Q(state=State.ABORTED) | Q(state=State.DONE, verdict__in=FAILING))
        .select_related("system")
        .order_by("system__sid", "system__client")[:SHOWN_PROBLEMS]
    )
    reasons = first_findings([run.pk for run in problems])
    return Progress(
        total=sum(counts.values()),
        finished=count(State.DONE) + count(State.ABORTED),
        passed=count(State.DONE, Verdict.PASSED),
        warning=count(State.DONE, Verdict.WARNING),
        failing=count(State.DONE, *FAILING),
        not_run=count(State.ABORTED),
        problems=[(run, reason_for(reasons[run.pk]).short if run.pk in reasons else run.note) for run in problems],
    )


def scope_of(filters: SystemFilterForm) -> str:
    """The systems a filtered list chose, in words: "all systems", or "search “PRD”, Landscape role Production"."""
    if not filters.is_valid():
        return "all systems"
    parts = []
    for name, value in filters.cleaned_data.items():
        if not value or not str(value).strip():
            continue
        field = filters.fields[name]
        shown = dict(getattr(field, "choices", ())).get(value, value) if name != "q" else f"“{value.strip()}”"
        parts.append(f"{field.label} {shown}")
    return ", ".join(parts) or "all systems"


def fleet_check(filters: SystemFilterForm, page: Any) -> dict[str, Any]:
    """What the systems list needs for its "Check these" button (the filters, the count) and the zones whose
    workers stopped answering among the systems shown (annotated by ``with_health``: no query of its own)."""
    chosen = [(name, value) for name, value in filters.data.items() if name in filters.fields and str(value).strip()]
    silent = {zone_label(serving_zone(system.zone)): system.zone_answered_at for system in page if system.zone_silent}
    return {"fleet_filters": chosen, "fleet_count": page.paginator.count, "silent_zones": sorted(silent.items())}


def fleet_watch(now: Any = None) -> dict[str, Any]:
    """The dashboard's monitoring card, in one query: systems that can be checked, those overdue (their latest
    result older than twice their interval) and the zones whose workers stopped answering, with their systems."""
    rows = with_health(SapSystem.objects.filter(mail_setup__isnull=False), now).values_list(
        "zone", "zone_silent", "zone_answered_at", "overdue", "last_run_at"
    )
    checkable, overdue, never, silent = 0, 0, 0, {}
    for zone, zone_silent, answered_at, is_overdue, last_run_at in rows:
        checkable += 1
        overdue += bool(is_overdue)
        never += last_run_at is None
        if zone_silent:
            label = zone_label(serving_zone(zone))
            silent[label] = (answered_at, silent.get(label, (None, 0))[1] + 1)
    zones = [(label, answered, count) for label, (answered, count) in sorted(silent.items())]
    return {"checkable": checkable, "overdue": overdue, "never": never, "silent_zones": zones}
