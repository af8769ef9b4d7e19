from __future__ import annotations

from celery import shared_task
from django.conf import settings

from portal.workers import record_heartbeat, zone_queues


@shared_task(ignore_result=True)
def record_heartbeat_task(zone: str = "") -> None:
    """Picked up by a worker of ``zone``'s queue: that worker says it is alive for the zone."""
    record_heartbeat(settings.PORTAL_WORKER_NAME, zone or settings.PORTAL_ZONE)


@shared_task(ignore_result=True)
def ask_for_heartbeats_task() -> None:
    """Scheduled: one heartbeat request per zone queue, so every zone's workers answer."""
    for zone, queue in zone_queues():
        record_heartbeat_task.apply_async(kwargs={"zone": zone}, queue=queue, expires=55)
