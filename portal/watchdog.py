"""Every worker process that executes runs also watches them: without beat, a run whose executor is gone
(another worker, a pool process killed, an interrupted diagnose command) is queued again or ended within
a few heartbeats.

A thread in the process that executes tasks (a prefork pool process, or the solo worker), never in a
prefork parent: the parent forks new pool processes, and a fork while a thread holds a database
library's lock would hang the child.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection

from diagnostics.runner import heartbeat_period, sweep_runs
from portal.tasks import enqueue_run

logger = logging.getLogger(__name__)


def watch_runs(stop: threading.Event) -> None:
    """Sweep at once (a worker that starts after a crash finds the crashed one's runs), then every heartbeat."""
    while True:
        try:
            sweep_runs(requeue=enqueue_run)
        except Exception:  # noqa: BLE001 - a broken sweep must not end the watch; the next one may work
            logger.exception("sweeping orphaned runs failed")
        finally:
            connection.close()
        if stop.wait(heartbeat_period()):
            return


def start_watchdog() -> threading.Event:
    """Start watching in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=watch_runs, args=(stop,), name="run-watchdog", daemon=True).start()
    return stop
