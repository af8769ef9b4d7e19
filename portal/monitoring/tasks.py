"""Monitoring's Celery tasks: thin wrappers, each a few lines (the work is in the modules they call)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from portal.monitoring import early_warnings, outbox, retention, snapshots


@shared_task(ignore_result=True)
def deliver_alert_task(delivery_id: int) -> None:
    """Send one notification; a failure queues the next attempt after its back-off."""
    retry_in = outbox.deliver(delivery_id)
    if retry_in is not None:
        outbox.enqueue([delivery_id], countdown=retry_in)


@shared_task(ignore_result=True)
def send_overdue_alerts_task() -> None:
    """Scheduled: deliveries whose message was lost (a killed worker, a restarted broker) are sent again."""
    outbox.send_overdue()


@shared_task(ignore_result=True)
def send_early_warnings_task() -> None:
    """Scheduled (hourly; each warning goes out once): expiring credentials and Basic-auth milestones."""
    early_warnings.send(timezone.localdate())


@shared_task(ignore_result=True)
def take_fleet_snapshot_task() -> None:
    """Scheduled (hourly): today's snapshot of the fleet, overwritten until the day ends."""
    snapshots.take(timezone.localdate())


@shared_task(ignore_result=True)
def prune_history_task() -> None:
    """Scheduled (daily): check results older than PORTAL_RESULTS_RETENTION_DAYS go."""
    retention.prune(timezone.now())
