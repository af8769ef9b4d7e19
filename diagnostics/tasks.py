from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from diagnostics.runner import abort_stale_runs, execute_run


@shared_task(ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=2, max_retries=3)
def run_diagnosis_task(run_id: int) -> None:
    """Run one queued diagnosis. Only infrastructure errors retry: a broken mail setup is a result."""
    execute_run(run_id)


@shared_task(ignore_result=True)
def abort_stale_runs_task() -> None:
    """Scheduled: end runs that no worker will finish, so no page waits for them forever."""
    abort_stale_runs()
