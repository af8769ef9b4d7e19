"""Runs of a system's checks as the portal starts them: it reads the mail setup and decrypts its secrets,
and hands the runner (diagnostics) a plain Target. The only place where a run meets MailSetup."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal

from diagnostics import runner
from diagnostics.context import Target
from diagnostics.models import DiagnosticRun
from portal.crypto import SecretUnreadable
from portal.models import MailSetup, SapSystem
from portal.runbooks import record_run

# Sent once per finished run (done or aborted), by the process that ended it, with ``run``. The monitoring
# app listens (portal/monitoring/apps.py): runs know nothing of alerts, so the import goes one way.
run_finished = Signal()


class NoMailSetup(Exception):
    """The system has no mail setup, so there is nothing to diagnose."""


def setup_of(system: SapSystem | int) -> MailSetup:
    """The system's mail setup, with its system (one query; ``system`` may be an id)."""
    setup = MailSetup.objects.select_related("system").filter(system=system).first()
    if setup is None:
        name = system if isinstance(system, SapSystem) else SapSystem.objects.filter(pk=system).first()
        raise NoMailSetup(f"{name} has no mail setup: add one before running the checks")
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
    with transaction.atomic():
        _lock([system.pk])
        return runner.open_run(
            system.pk, config, trigger=trigger, user=user, send_to=send_to, subject=subject, requeue=requeue
        )


def create_runs(
    systems: Iterable[SapSystem], *, trigger: str, user: Any = None, requeue: runner.Requeue | None = None
) -> dict[int, tuple[DiagnosticRun, bool]]:
    """Runs of many systems (``select_related("mail_setup")``; those without a setup are left out): per
    system id, its live run joined (False) or a new one (True), with ``run.system`` set. Never a test send."""
    with_setup = {system.pk: system for system in systems if getattr(system, "mail_setup", None) is not None}
    configs = {pk: system.mail_setup.to_config() for pk, system in with_setup.items()}
    with transaction.atomic():
        _lock(list(configs))
        opened = runner.open_runs(configs, trigger=trigger, user=user, requeue=requeue)
    for pk, (run, _) in opened.items():
        run.system = with_setup[pk]  # the queue is the system's zone: no query per run to find it
    return opened


def _lock(system_ids: list[int]) -> None:
    """Hold the systems' rows until the transaction ends, so that two requests (a click, the schedule, a
    fleet run) never both find no live run and open one each. SQLite's immediate transactions do the same."""
    list(SapSystem.objects.select_for_update().filter(pk__in=system_ids).order_by("pk").values_list("pk", flat=True))


def _prepare(run: DiagnosticRun) -> Target:
    """The target of a claimed run; what keeps it from starting becomes its note (never a secret)."""
    try:
        setup = setup_of(run.system_id)
        run.system = setup.system  # read once here: the runbook and the alerts need it after the run
        return target_for(setup, send_to=run.send_to, subject=run.subject)
    except (NoMailSetup, SecretUnreadable) as exc:
        raise runner.RunRefused(str(exc)) from None


def execute_run(run_id: int, *, kind: str = runner.WORKER) -> DiagnosticRun | None:
    """Execute a queued run in this process (None when another process has it); what follows a finished run
    happens here, once, by the process that ended it: the runbook's ticks, and what the run changed is told
    (a health change or a new root CA becomes an alert: portal.monitoring, delivered elsewhere)."""
    run = runner.execute_run(run_id, _prepare, kind=kind)
    if run is not None and run.is_finished:
        record_run(run)  # the runbook: steps whose check passed tick themselves, failed ones untick
        run_finished.send(sender=DiagnosticRun, run=run)  # portal.monitoring: alerts
    return run


def diagnose_now(system: SapSystem, *, send_to: str = "") -> DiagnosticRun:
    """Run a diagnosis in this process (the diagnose command; no worker needed).

    If a worker is already running one for the system, wait for that run instead of opening a
    second connection to the mailbox, and take it over here should that worker be lost.
    """
    return follow_here(create_run(system, trigger=DiagnosticRun.Trigger.CLI, send_to=send_to))


def follow_here(run: DiagnosticRun) -> DiagnosticRun:
    """Execute a queued run in this process, or wait for the worker that has it (taking it over if that
    worker is lost), until it has finished or twice the longest a run may take has passed."""
    deadline = time.monotonic() + 2 * (settings.CELERY_TASK_TIME_LIMIT + runner.stale_after().total_seconds())
    while True:
        execute_run(run.pk, kind=runner.COMMAND)
        run.refresh_from_db()
        if run.is_finished or time.monotonic() > deadline:
            return run
        time.sleep(0.5)
