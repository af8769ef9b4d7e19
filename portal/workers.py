"""Signs of life from workers: which zones have a worker, and when it last answered."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from portal.models import WorkerHeartbeat


def record_heartbeat(worker: str, zone: str, now: datetime | None = None) -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        worker=worker, zone=zone, defaults={"seen_at": now or timezone.now()}
    )
    return beat
