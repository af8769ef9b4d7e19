"""A system's health: the verdict of its latest finished diagnosis, and since when it has held.

Computed in the database (correlated subqueries) so the systems list, its filters and the
dashboard stay one query per page however many systems and runs there are.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone

from connectors.products import ROLES_MOST_CRITICAL_FIRST
from diagnostics.findings import Status
from diagnostics.models import CheckResult, DiagnosticRun
from portal.models import Health, SapSystem, WorkerHeartbeat
from portal.schedule import interval_minutes
from portal.workers import SILENT_AFTER

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FAILING = (Status.FAIL, Status.ERROR)
PROBLEMS = (*_FAILING, Status.WARN)


# A finished run's verdict as health (a run the worker could not finish has no verdict that counts).
VERDICT_HEALTH = {
    DiagnosticRun.Verdict.PASSED: Health.GREEN,
    DiagnosticRun.Verdict.WARNING: Health.AMBER,
    DiagnosticRun.Verdict.FAILED: Health.RED,
    DiagnosticRun.Verdict.ERROR: Health.RED,
}


def health_of(verdict_field: str) -> Case:
    """green/amber/red from a run's verdict (VERDICT_HEALTH), in the database."""
    whens = [When(**{verdict_field: verdict}, then=Value(state)) for verdict, state in VERDICT_HEALTH.items()]
    return Case(*whens, default=Value(Health.UNKNOWN), output_field=CharField())


def _finished_runs() -> QuerySet[DiagnosticRun]:
    return DiagnosticRun.objects.filter(system=OuterRef("pk"), state=DiagnosticRun.State.DONE)


def with_health(systems: QuerySet[SapSystem], now: datetime | None = None) -> QuerySet[SapSystem]:
    """Annotate last_run_id, last_run_at, last_verdict, health and health_since (None when unknown), and:

    - ``check_minutes`` (the system's interval) and ``overdue``: its latest result is older than twice that.
      An overdue green verdict is no longer to be trusted: its health is STALE. Red and amber stay (they are
      more urgent), marked overdue.
    - ``zone_answered_at`` and ``zone_silent``: the latest sign of life of a worker serving the system's zone,
      and whether it stopped answering (none for SILENT_AFTER, or none at all while other workers answer).
    """
    now = now or timezone.now()
    latest = _finished_runs().order_by("-finished_at", "-id")
    systems = systems.annotate(
        last_run_id=Subquery(latest.values("pk")[:1]),
        last_run_at=Subquery(latest.values("finished_at")[:1]),
        last_verdict=Subquery(latest.values("verdict")[:1]),
        check_minutes=interval_minutes(),
    ).annotate(verdict_health=health_of("last_verdict"))
    twice_the_interval = ExpressionWrapper(
        F("check_minutes") * Value(timedelta(minutes=2)), output_field=DurationField()
    )
    overdue = Q(last_run_at__lt=ExpressionWrapper(Value(now) - twice_the_interval, output_field=DateTimeField()))
    systems = systems.annotate(
        overdue=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()),
        health=Case(
            When(overdue & Q(verdict_health=Health.GREEN), then=Value(Health.STALE)),
            default=F("verdict_health"),
            output_field=CharField(),
        ),
    )
    other = (
        _finished_runs()
        .annotate(run_health=health_of("verdict"))
        .exclude(run_health=OuterRef("verdict_health"))
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
    return _with_zone_answer(systems.annotate(health_since=Subquery(first_of_streak)), now)


def _with_zone_answer(systems: QuerySet[SapSystem], now: datetime) -> QuerySet[SapSystem]:
    # Runs of a zone go to its own queue only when routed by zone; otherwise the default workers serve it.
    serving = OuterRef("zone") if settings.PORTAL_ROUTE_BY_ZONE else Value("")
    answers = WorkerHeartbeat.objects.filter(zone=serving).order_by("-seen_at").values("seen_at")[:1]
    systems = systems.annotate(zone_answered_at=Subquery(answers))
    silent = Q(zone_answered_at__lt=now - SILENT_AFTER) | Q(zone_answered_at__isnull=True, has_heartbeats=True)
    return systems.annotate(has_heartbeats=Exists(WorkerHeartbeat.objects.all())).annotate(
        zone_silent=Case(When(silent, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


# Most urgent first, for every list and the helpdesk cards: a stale verdict (green, but too old to trust)
# comes after the warnings and before the systems never checked.
URGENCY = (Health.RED, Health.AMBER, Health.STALE, Health.UNKNOWN, Health.GREEN)


def _rank(field: str, order: tuple[str, ...]) -> Case:
    whens = [When(**{field: value}, then=Value(rank)) for rank, value in enumerate(order)]
    return Case(*whens, default=Value(len(order)), output_field=IntegerField())


def most_urgent_first(systems: QuerySet[SapSystem]) -> QuerySet[SapSystem]:
    """The one sort key of health: red, amber, stale, unknown, green; then production first, then SID."""
    ranked = systems.annotate(urgency=_rank("health", URGENCY), role_rank=_rank("role", ROLES_MOST_CRITICAL_FIRST))
    return ranked.order_by("urgency", "role_rank", "sid", "client")


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


def verdict_first(rows: list[dict[str, Any]], finished: bool) -> dict[str, Any]:
    """A finished run told verdict first: failures (and errors), then warnings, each in plan order;
    the rest (passed, skipped, not run) folds behind one line. A running run keeps plan order."""
    if not finished:
        return {"failing": [], "warning": [], "rest": rows, "folded": "", "blocker": None}
    failing = [row for row in rows if _status(row) in _FAILING]
    warning = [row for row in rows if _status(row) == Status.WARN]
    rest = [row for row in rows if _status(row) not in PROBLEMS]
    return {"failing": failing, "warning": warning, "rest": rest, "folded": _folded_line(rest),
            "blocker": failing[0] if failing else None}  # fmt: skip


_NOT_RUN = "not run"  # a planned check without a result: the run ended before it


def _status(row: dict[str, Any]) -> str:
    return row["result"].status if row["result"] is not None else _NOT_RUN


def _folded_line(rows: list[dict[str, Any]]) -> str:
    """ "13 checks passed", "10 checks passed, 3 skipped": what the folded rows hold."""
    parts = []
    for status, label in ((Status.PASS, "passed"), (Status.SKIPPED, "skipped"), (_NOT_RUN, "not run")):
        if count := sum(1 for row in rows if _status(row) == status):
            noun = "" if parts else (" check" if count == 1 else " checks")
            parts.append(f"{count}{noun} {label}")
    return ", ".join(parts)


_TOLD = ("key", "status", "code", "summary", "explanation", "remedy")  # what a reason is made of


def _problems_first(results: QuerySet[CheckResult]) -> QuerySet[CheckResult]:
    """A run's problems in the order they are told: failures and errors, then warnings, each in plan order."""
    severity = Case(When(status=Status.WARN, then=Value(1)), default=Value(0), output_field=IntegerField())
    return results.filter(status__in=PROBLEMS).annotate(severity=severity).order_by("severity", "position", "id")


def first_findings(run_ids: list[int]) -> dict[int, CheckResult]:
    """The first failing (else warning) check of each run, in one query."""
    found: dict[int, CheckResult] = {}
    for result in _problems_first(CheckResult.objects.filter(run_id__in=run_ids)):
        found.setdefault(result.run_id, result)
    return found


def with_first_finding(systems: QuerySet[SapSystem]) -> QuerySet[SapSystem]:
    """Annotate ``first_finding`` (a dict of the fields in _TOLD, or None): ``first_findings`` of the
    latest finished run inside the same query, so a list with a "Why" column stays one query."""
    first = _problems_first(CheckResult.objects.filter(run_id=OuterRef("last_run_id")))
    told = JSONObject(**{name: name for name in _TOLD})
    return systems.annotate(first_finding=Subquery(first.values(told=told)[:1]))
