"""Retention: runs older than PORTAL_RESULTS_RETENTION_DAYS go, with their check results, evidence and
transcripts; daily fleet snapshots, alerts and the audit log stay.

Two runs of each system stay whatever their age, because the pages read them: its latest finished run
(its health and the Health tab) and the run that began its current health (the "since" of the badge).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Subquery

from diagnostics.models import DiagnosticRun
from portal.health import with_health
from portal.models import SapSystem

BATCH = 500  # rows per delete: short transactions, so SQLite's writers (web, worker) never wait long


def kept_runs() -> set[int]:
    """Per system: the latest finished run and the first run of its current health streak."""
    streak_start = DiagnosticRun.objects.filter(
        system=OuterRef("pk"), state=DiagnosticRun.State.DONE, finished_at=OuterRef("health_since")
    ).order_by("id")
    systems = with_health(SapSystem.objects.order_by()).annotate(streak_start=Subquery(streak_start.values("pk")[:1]))
    kept: set[int] = set()
    for latest, start in systems.values_list("last_run_id", "streak_start"):
        kept.update(run_id for run_id in (latest, start) if run_id)
    return kept


def prune(now: datetime) -> int:
    """Delete the runs that are past retention; returns how many went."""
    cutoff = now - timedelta(days=settings.PORTAL_RESULTS_RETENTION_DAYS)
    finished = (DiagnosticRun.State.DONE, DiagnosticRun.State.ABORTED)
    old = DiagnosticRun.objects.filter(created_at__lt=cutoff, state__in=finished).exclude(pk__in=kept_runs())
    ids = list(old.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        DiagnosticRun.objects.filter(pk__in=ids[start : start + BATCH]).delete()  # results and test sends cascade
    return len(ids)
