"""Runs of a system's checks as the portal starts them: it reads the mail setup and decrypts its secrets,
and hands the runner (diagnostics) a plain Target. The only place where a run meets MailSetup."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from diagnostics import runner
from diagnostics.context import Target
from diagnostics.models import DiagnosticRun
from portal.crypto import SecretUnreadable
from portal.models import MailSetup, SapSystem
from portal.monitoring.changes import after_run


class NoMailSetup(Exception):
    """The system has no mail setup, so there is nothing to diagnose."""


def setup_of(system: SapSystem) -> MailSetup:
    setup = MailSetup.objects.select_related("system").filter(system=system).first()
    if setup is None:
        raise NoMailSetup(f"{system} has no mail setup: add one before running the checks")
    return setup


def target_for(setup: MailSetup, *, send_to: str = "", subject: str = "") -> Target:
    """The setup as the checks see it, secrets decrypted (SecretUnreadable when a key is missing)."""
    return Target(
        config=setup.to_config(),
        secret=setup.client_secret.reveal() or None,
        private_key_pem=setup.private_key.reveal() or None,
        certificate_pem=setup.certificate_pem or None,
        send_to=send_to or None,
        subject=subject or None,  # send.test makes one naming the system and the time
    )


def create_run(
    system: SapSystem,
    *,
    trigger: str,
    user: Any = None,
    send_to: str = "",
    subject: str = "",
    requeue: runner.Requeue | None = None,
) -> DiagnosticRun:
    """A queued run of the system's current setup, or the live one a new request joins (see runner.open_run)."""
    config = setup_of(system).to_config()
    return runner.open_run(
        system.pk, config, trigger=trigger, user=user, send_to=send_to, subject=subject, requeue=requeue
    )


def _prepare(run: DiagnosticRun) -> Target:
    """The target of a claimed run; what keeps it from starting becomes its note (never a secret)."""
    try:
        return target_for(setup_of(run.system), send_to=run.send_to, subject=run.subject)
    except (NoMailSetup, SecretUnreadable) as exc:
        raise runner.RunRefused(str(exc)) from None


def execute_run(run_id: int, *, kind: str = runner.WORKER) -> DiagnosticRun | None:
    """Execute a queued run in this process (None when another process has it), then what it changed
    is told: a health change or a new root CA becomes an alert (portal.monitoring, delivered elsewhere)."""
    run = runner.execute_run(run_id, _prepare, kind=kind)
    if run is not None and run.is_finished:
        after_run(run)
    return run


def diagnose_now(system: SapSystem, *, send_to: str = "") -> DiagnosticRun:
    """Run a diagnosis in this process (the diagnose command; no worker needed).

    If a worker is already running one for the system, wait for that run instead of opening a
    second connection to the mailbox, and take it over here should that worker be lost.
    """
    run = create_run(system, trigger=DiagnosticRun.Trigger.CLI, send_to=send_to)
    deadline = time.monotonic() + 2 * (settings.CELERY_TASK_TIME_LIMIT + runner.stale_after().total_seconds())
    while True:
        execute_run(run.pk, kind=runner.COMMAND)
        run.refresh_from_db()
        if run.is_finished or time.monotonic() > deadline:
            return run
        time.sleep(0.5)
