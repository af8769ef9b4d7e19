from __future__ import annotations

from celery import shared_task
from django.conf import settings

from portal.workers import record_heartbeat


@shared_task(ignore_result=True)
def record_heartbeat_task(zone: str = "") -> None:
    """Scheduled per zone queue: the worker that picks it up says it is alive for that zone."""
    record_heartbeat(settings.PORTAL_WORKER_NAME, zone or settings.PORTAL_ZONE)
