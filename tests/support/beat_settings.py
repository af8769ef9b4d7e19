"""The portal's settings with monitoring's scheduled tasks every second instead of hourly or daily: a real
beat process in a test then runs each of them many times in a few seconds (which is the point: once per
threshold must hold however often they run)."""

from portal.settings import *  # noqa: F403
from portal.settings import CELERY_BEAT_SCHEDULE as _SCHEDULE

MONITORING = ("alerts-overdue", "early-warnings", "fleet-snapshot", "prune-history")
CELERY_BEAT_SCHEDULE = {name: {**entry, "schedule": 1.0} for name, entry in _SCHEDULE.items() if name in MONITORING}
