"""Generated demo history: a few days of made-up runs for each demo system, so that a newcomer sees
timelines with bands and a dashboard trend at once. Every generated run says so (worker and note), its
one check result says so, and the snapshots made from it are marked ``generated``.

Each scenario's ``history`` picks the story: ``steady`` (its verdict all along; a red system red since
its secret expired when it has such a date), ``flapping`` (green, then failing every other run for the
last days) and ``recovered`` (red for days, green again since the last generated run, so the first real
run confirms the recovery and the demo's first alert is "recovered").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from diagnostics.models import CheckResult, DiagnosticRun
from lab.scenarios import SCENARIOS, Scenario
from portal.health import VERDICT_HEALTH, with_health
from portal.models import SapSystem
from portal.monitoring import changes, snapshots
from portal.monitoring.models import FleetSnapshot
from portal.progress import WORKING, Progress, with_progress

GENERATED = "demo history (generated)"
NOTE = "Generated demo history: no check ran. The demo's real runs start with the first sweep."
EVERY = timedelta(hours=6)
FLAPPING_DAYS = 3
RECOVERED_RED = ("oauth.token", "AADSTS7000222", "The client secret has expired (generated demo history)")


def _verdicts(scenario: Scenario, moments: list[datetime], now: datetime) -> list[str]:
    if scenario.history == "flapping":
        start = now - timedelta(days=FLAPPING_DAYS)
        # Counted back from the newest, which fails: the first real run (a good connection) goes on alternating.
        return ["passed" if moment < start else ("failed" if (len(moments) - i) % 2 else "passed")
                for i, moment in enumerate(moments)]  # fmt: skip
    if scenario.history == "recovered":
        return ["failed"] * (len(moments) - 1) + ["passed"]
    if scenario.verdict == "failed" and scenario.secret_days is not None and scenario.secret_days < 0:
        expired = now + timedelta(days=scenario.secret_days)
        return ["passed" if moment < expired else "failed" for moment in moments]
    return [scenario.verdict] * len(moments)


def _result(scenario: Scenario, verdict: str) -> tuple[str, str, str, str]:
    """(key, status, code, summary) of the one result a generated run carries."""
    if scenario.history == "recovered" and verdict == "failed":
        return (RECOVERED_RED[0], "fail", RECOVERED_RED[1], RECOVERED_RED[2])
    if verdict in ("failed", "warning"):
        key, code = next(iter((scenario.codes or {"smtp.auth": ""}).items()))  # the scenario's first code
        status = "fail" if verdict == "failed" else "warn"
        return key, status, code, f"{scenario.story} (generated demo history)"
    return "smtp.banner", "pass", "", "Generated demo history: passed"


def seed(days: int, now: datetime | None = None) -> int:
    """Generate ``days`` of history for the demo systems that have no run yet; returns the runs made."""
    now = now or timezone.now()
    systems = {str(system): system for system in SapSystem.objects.select_related("mail_setup")}
    fresh = [s for s in SCENARIOS if s.label in systems and not systems[s.label].runs.exists()]
    moments = [now - timedelta(days=days) + EVERY * step for step in range(int(timedelta(days=days) / EVERY))]
    made = 0
    for scenario in fresh:
        system = systems[scenario.label]
        option = system.mail_setup.option if hasattr(system, "mail_setup") else ""
        for moment, verdict in zip(moments, _verdicts(scenario, moments, now), strict=True):
            run = DiagnosticRun.objects.create(
                system=system, option=option, trigger=DiagnosticRun.Trigger.SCHEDULE, state=DiagnosticRun.State.DONE,
                verdict=verdict, worker=GENERATED, note=NOTE, started_at=moment, finished_at=moment,
            )  # fmt: skip
            key, status, code, summary = _result(scenario, verdict)
            CheckResult.objects.create(run=run, key=key, status=status, code=code, summary=summary, evidence=NOTE)
            made += 1
        changes.baseline(system)
    DiagnosticRun.objects.filter(worker=GENERATED).update(created_at=F("finished_at"))
    if made:
        _snapshots(days, now)
    return made


def _snapshots(days: int, now: datetime) -> None:
    """A generated snapshot per past day: each system's health as its last run of that day left it."""
    today = timezone.localdate(now)
    runs = list(
        DiagnosticRun.objects.filter(state=DiagnosticRun.State.DONE).values_list("system_id", "finished_at", "verdict")
    )
    counts = snapshots.counts()
    # Options never change in the made-up past: who is on Basic auth or not set up stays so; a moved system
    # is healthy on a day when its last run of that day worked.
    progress = dict(with_progress(with_health(SapSystem.objects.order_by())).values_list("pk", "progress"))
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if FleetSnapshot.objects.filter(day=day, generated=False).exists():
            continue  # a measured day is never overwritten by made-up numbers
        end = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))
        latest: dict[int, tuple[datetime, str]] = {}
        for system_id, finished_at, verdict in runs:
            if finished_at < end and (system_id not in latest or finished_at > latest[system_id][0]):
                latest[system_id] = (finished_at, verdict)
        by_health: dict[str, int] = {}
        for _, verdict in latest.values():
            health = str(VERDICT_HEALTH.get(verdict, "unknown"))
            by_health[health] = by_health.get(health, 0) + 1
        unknown = counts["total"] - len(latest)
        if unknown:
            by_health["unknown"] = unknown
        by_progress = _progress_on(progress, latest)
        FleetSnapshot.objects.update_or_create(
            day=day, defaults={"total": counts["total"], "by_health": by_health, "by_option": counts["by_option"],
                               "by_progress": by_progress, "generated": True},
        )  # fmt: skip


def _progress_on(progress: dict[int, str], latest: dict[int, tuple[datetime, str]]) -> dict[str, int]:
    by_progress: dict[str, int] = {}
    for system_id, place in progress.items():
        if place in (Progress.MOVED_HEALTHY, Progress.MOVED_FAILING):
            verdict = latest.get(system_id, (None, ""))[1]
            place = Progress.MOVED_HEALTHY if VERDICT_HEALTH.get(verdict) in WORKING else Progress.MOVED_FAILING
        by_progress[str(place)] = by_progress.get(str(place), 0) + 1
    return by_progress
