"""Celery tasks (thin wrappers) and how runs are handed to them.

The task that runs a diagnosis lives here, not in diagnostics: it needs the mail setup and its
decrypted secrets, which only the portal reads (portal/runs.py hands the runner a plain Target).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction

from diagnostics.models import DiagnosticRun
from portal.runs import execute_run
from portal.schedule import enqueue_due
from portal.workers import record_heartbeat, zone_queues


@shared_task(ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=2, max_retries=3)
def run_diagnosis_task(run_id: int) -> None:
    """Run one queued diagnosis. Only infrastructure errors retry: a broken mail setup is a result."""
    execute_run(run_id)


def enqueue_run(run: DiagnosticRun) -> None:
    """Hand the run to a worker of its zone once the run row is committed.

    Enqueuing an already queued run again is harmless: only one delivery can claim it.
    """
    queue = run.system.queue if settings.PORTAL_ROUTE_BY_ZONE else "default"
    transaction.on_commit(lambda: run_diagnosis_task.apply_async(args=[run.pk], queue=queue))


@shared_task(ignore_result=True)
def record_heartbeat_task(zone: str = "") -> None:
    """Picked up by a worker of ``zone``'s queue: that worker says it is alive for the zone."""
    record_heartbeat(settings.PORTAL_WORKER_NAME, zone or settings.PORTAL_ZONE)


@shared_task(ignore_result=True)
def ask_for_heartbeats_task() -> None:
    """Scheduled: one heartbeat request per zone queue, so every zone's workers answer."""
    for zone, queue in zone_queues():
        record_heartbeat_task.apply_async(kwargs={"zone": zone}, queue=queue, expires=55)


@shared_task(ignore_result=True)
def enqueue_due_checks_task() -> None:
    """Scheduled every PORTAL_SCHEDULE_TICK seconds: a run for each system whose check is due."""
    enqueue_due(enqueue_run)
