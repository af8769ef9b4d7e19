"""The Celery app: JSON only, late acks, time limits; status lives on our models, not in a result backend."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    # A message is acknowledged when its task ends, and a pool process killed mid-task gives it back
    # (Redis and the filesystem broker both deliver it again). A killed parent process is another
    # matter: the filesystem broker kept its unacknowledged messages in memory only (gone), Redis
    # keeps them for the visibility timeout (an hour). Runs' heartbeats cover that (portal/watchdog.py).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # Give a killed pool process's message back after 2 s, not 10: waiting for a result it may still have
    # sent buys nothing (a run delivered twice is claimed once), and until then the message holds a
    # prefetch slot, so with the filesystem broker no other run starts in its place.
    worker_lost_wait=2.0,
    worker_prefetch_multiplier=1,
    task_default_queue="default",
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()


@worker_process_init.connect
def watch_runs_from_this_process(**_: object) -> None:
    """Each process that executes tasks (a prefork pool process, the solo worker) sweeps orphaned runs."""
    from portal.watchdog import start_watchdog  # after Django's setup, which the worker has done by now

    start_watchdog()


@worker_ready.connect
def watch_runs_from_a_threaded_worker(sender: object = None, **_: object) -> None:
    """A threads (or gevent) pool executes tasks in the worker's own process and sends no worker_process_init:
    its watchdog starts here. Prefork and solo pools have theirs from worker_process_init (above)."""
    pool_cls = getattr(getattr(sender, "controller", None), "pool_cls", None)
    module = getattr(pool_cls, "__module__", "") or ""
    if module.endswith((".thread", ".gevent", ".eventlet")):
        from portal.watchdog import start_watchdog

        start_watchdog()
