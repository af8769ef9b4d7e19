"""A system's health: the verdict of its latest finished diagnosis, and since when it has held.

Computed in the database (correlated subqueries) so the systems list, its filters and the
dashboard stay one query per page however many systems and runs there are.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Case, CharField, DateTimeField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from diagnostics.findings import Status
from diagnostics.models import CheckResult, DiagnosticRun
from portal.models import Health, SapSystem

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def health_of(verdict_field: str) -> Case:
    """green/amber/red from a run's verdict; a run the worker could not finish does not count."""
    return Case(
        When(**{verdict_field: DiagnosticRun.Verdict.PASSED}, then=Value(Health.GREEN)),
        When(**{verdict_field: DiagnosticRun.Verdict.WARNING}, then=Value(Health.AMBER)),
        When(
            **{f"{verdict_field}__in": [DiagnosticRun.Verdict.FAILED, DiagnosticRun.Verdict.ERROR]},
            then=Value(Health.RED),
        ),
        default=Value(Health.UNKNOWN),
        output_field=CharField(),
    )


def _finished_runs() -> QuerySet[DiagnosticRun]:
    return DiagnosticRun.objects.filter(system=OuterRef("pk"), state=DiagnosticRun.State.DONE)


def with_health(systems: QuerySet[SapSystem]) -> QuerySet[SapSystem]:
    """Annotate last_run_id, last_run_at, last_verdict, health and health_since (None when unknown)."""
    latest = _finished_runs().order_by("-finished_at", "-id")
    systems = systems.annotate(
        last_run_id=Subquery(latest.values("pk")[:1]),
        last_run_at=Subquery(latest.values("finished_at")[:1]),
        last_verdict=Subquery(latest.values("verdict")[:1]),
    ).annotate(health=health_of("last_verdict"))
    other = (
        _finished_runs()
        .annotate(run_health=health_of("verdict"))
        .exclude(run_health=OuterRef("health"))
        .order_by("-finished_at")
        .values("finished_at")[:1]
    )
    systems = systems.annotate(changed_after=Coalesce(Subquery(other), Value(_EPOCH), output_field=DateTimeField()))
    first_of_streak = (
        _finished_runs()
        .filter(finished_at__gt=OuterRef("changed_after"))
        .order_by("finished_at")
        .values("finished_at")[:1]
    )
    return systems.annotate(health_since=Subquery(first_of_streak))


def history(system: SapSystem, limit: int = 20) -> list[DiagnosticRun]:
    """The latest runs, each marked ``changed`` when its verdict differs from the run before it."""
    runs = list(system.runs.all()[: limit + 1])
    for index, newer in enumerate(runs):
        older = runs[index + 1] if index + 1 < len(runs) else None
        newer.changed = bool(older and newer.verdict and older.verdict and newer.verdict != older.verdict)
    return runs[:limit]


def run_progress(run: DiagnosticRun) -> list[dict[str, object]]:
    """Every planned check in plan order with its result once it has one (results prefetched)."""
    results = {result.key: result for result in run.results.all()}
    rows: list[dict[str, object]] = [{"key": key, "result": results.pop(key, None)} for key in run.planned_checks]
    rows += [{"key": key, "result": result} for key, result in results.items()]  # checks outside the plan
    return rows


def first_findings(run_ids: list[int]) -> dict[int, CheckResult]:
    """The first failing (else warning) check of each run, in one query."""
    bad = CheckResult.objects.filter(run_id__in=run_ids, status__in=[Status.FAIL, Status.ERROR, Status.WARN])
    found: dict[int, CheckResult] = {}
    for result in bad.order_by("run_id", "position", "id"):
        current = found.get(result.run_id)
        if current is None or (current.status == Status.WARN and result.status != Status.WARN):
            found[result.run_id] = result
    return found
