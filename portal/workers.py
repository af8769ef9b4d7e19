"""Signs of life from workers: which zones have a worker, and when it last answered."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from portal.models import SapSystem, WorkerHeartbeat

# Beat asks every worker for a sign of life each minute (tasks.ask_for_heartbeats_task): three missed answers
# and the zone's workers count as gone; its systems are not being checked.
SILENT_AFTER = timedelta(minutes=3)


def record_heartbeat(worker: str, zone: str, now: datetime | None = None) -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        worker=worker, zone=zone, defaults={"seen_at": now or timezone.now()}
    )
    return beat


def zone_queues() -> list[tuple[str, str]]:
    """(zone, queue) for the default queue and, when runs are routed by zone, every zone in use."""
    queues = [("", "default")]
    if settings.PORTAL_ROUTE_BY_ZONE:
        zones = SapSystem.objects.exclude(zone="").values_list("zone", flat=True).distinct().order_by("zone")
        queues += [(zone, f"zone.{zone}") for zone in zones]
    return queues


def serving_zone(zone: str) -> str:
    """The zone whose workers run a system's checks: its own when runs are routed by zone, else the default."""
    return zone if settings.PORTAL_ROUTE_BY_ZONE else ""


def zone_label(zone: str) -> str:
    return f"zone {zone}" if zone else "the default zone"
