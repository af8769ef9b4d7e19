"""The portal's settings plus django-celery-beat, for benchmarks/scheduler_at_scale.py only (the portal itself
schedules with one beat task, portal/schedule.py)."""

from portal.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "django_celery_beat"]  # noqa: F405
