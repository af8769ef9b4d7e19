"""The one diagnostics module that touches the ORM: builds the target from a system's mail setup,
runs its option's plan and saves each result as it finishes."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from connectors.registry import OPTIONS
from diagnostics.context import DEFAULT_DNSBL_ZONES, Environment, RunContext, Target
from diagnostics.engine import run_plan
from diagnostics.findings import Finding, Status
from diagnostics.milestones import configured_milestones
from diagnostics.models import CheckResult, DiagnosticRun, TestSend
from portal.crypto import SecretUnreadable
from portal.models import MailSetup, SapSystem

logger = logging.getLogger(__name__)


class NoMailSetup(Exception):
    """The system has no mail setup, so there is nothing to diagnose."""


def environment(zone: str = "") -> Environment:
    """The diagnostics' view of the settings (PORTAL_*), for the worker running in ``zone``."""
    return Environment(
        nameservers=settings.PORTAL_DNS_NAMESERVERS,
        extra_ca_bundle=settings.PORTAL_EXTRA_CA_BUNDLE,
        login_base=settings.PORTAL_LOGIN_AUTHORITY_HOST,
        allow_loopback=settings.PORTAL_ALLOW_LOOPBACK_TARGETS,
        allowed_ports=settings.PORTAL_ALLOWED_PORTS,
        https_proxy=settings.PORTAL_HTTPS_PROXY,
        dnsbl_zones=tuple(settings.PORTAL_DNSBL_ZONES) or DEFAULT_DNSBL_ZONES,
        milestones=configured_milestones(),
        timeout=float(settings.PORTAL_CHECK_TIMEOUT),
        worker=settings.PORTAL_WORKER_NAME,
        zone=zone,
    )


def target_for(setup: MailSetup, *, send_to: str = "", subject: str = "") -> Target:
    return Target(
        config=setup.to_config(),
        secret=setup.client_secret.reveal() or None,
        private_key_pem=setup.private_key.reveal() or None,
        certificate_pem=setup.certificate_pem or None,
        send_to=send_to or None,
        subject=subject or None,  # send.test makes one naming the system and the time
    )


def _setup_of(system: SapSystem) -> MailSetup:
    setup = MailSetup.objects.filter(system=system).first()
    if setup is None:
        raise NoMailSetup(f"{system} has no mail setup: add one before running the checks")
    return setup


def stale_after() -> timedelta:
    """A claim older than the task's hard time limit (plus a margin) belongs to a dead worker."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def active_run(system: SapSystem, *, send_to: str = "") -> DiagnosticRun | None:
    """A run of this system still queued or running (and not stale), that a new request can join."""
    recent = timezone.now() - stale_after()
    return (
        DiagnosticRun.objects.filter(
            system=system, send_to=send_to, state__in=(DiagnosticRun.State.QUEUED, DiagnosticRun.State.RUNNING)
        )
        .filter(Q(started_at__gte=recent) | Q(started_at__isnull=True, created_at__gte=recent))
        .order_by("-created_at")
        .first()
    )


def create_run(
    system: SapSystem, *, trigger: str, user: Any = None, send_to: str = "", subject: str = ""
) -> DiagnosticRun:
    """A queued run with its planned checks, so a page can show progress from the first second.

    While a run of the system is still queued or running, that run is returned instead: a
    second click must not open a second SMTP connection to the same mailbox (Exchange Online
    allows three per mailbox, and SAP needs them) nor repeat a failing login.
    """
    setup = _setup_of(system)
    existing = active_run(system, send_to=send_to)
    if existing is not None:
        return existing
    plan = OPTIONS[setup.option].plan(setup.to_config(), send_to=send_to or None)
    return DiagnosticRun.objects.create(
        system=system,
        option=setup.option,
        trigger=trigger,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        send_to=send_to,
        subject=subject if send_to else "",
        zone=system.zone,
        planned_checks=[item.key for item in plan],
    )


def enqueue_run(run: DiagnosticRun) -> None:
    """Hand the run to a worker of its zone once the run row is committed.

    Enqueuing an already queued run again is harmless: only one delivery can claim it.
    """
    from diagnostics.tasks import run_diagnosis_task

    queue = run.system.queue if settings.PORTAL_ROUTE_BY_ZONE else "default"
    transaction.on_commit(lambda: run_diagnosis_task.apply_async(args=[run.pk], queue=queue))


def claim(run_id: int) -> bool:
    """Only one worker may run a run: a duplicate delivery finds it no longer queued.

    A run left "running" by a worker that died (its message is delivered again, acks_late) is
    claimed anew once its claim is older than the task's time limit.
    """
    now = timezone.now()
    claimable = Q(state=DiagnosticRun.State.QUEUED) | Q(
        state=DiagnosticRun.State.RUNNING, started_at__lt=now - stale_after()
    )
    return bool(
        DiagnosticRun.objects.filter(claimable, pk=run_id).update(
            state=DiagnosticRun.State.RUNNING, started_at=now, worker=settings.PORTAL_WORKER_NAME
        )
    )


def execute_run(run_id: int) -> DiagnosticRun | None:
    """Run a claimed run's plan, saving each check as it finishes; returns None if already claimed.

    Whatever happens, the run ends done or aborted (with the reason in ``note``): a page never
    polls a run that no one will finish. Only a database error is handed back for a retry.
    """
    if not claim(run_id):
        return None
    run = DiagnosticRun.objects.select_related("system").get(pk=run_id)
    _clear_results(run)  # a run claimed again after a dead worker starts from a clean slate
    try:
        findings = _diagnose(run)
    except OperationalError:
        _requeue(run)  # the database broke, not the mail setup: let the task retry
        raise
    except (NoMailSetup, SecretUnreadable) as exc:
        return _abort(run, str(exc))
    except Exception as exc:  # noqa: BLE001 - a run must never stay "running"
        logger.exception("diagnostic run %s aborted by %s", run.pk, type(exc).__name__)
        return _abort(run, f"The run stopped on an internal error ({type(exc).__name__}); run the checks again.")
    return _finish(run, DiagnosticRun.State.DONE, verdict_of(findings))


def _diagnose(run: DiagnosticRun) -> list[Finding]:
    setup = _setup_of(run.system)
    plan = OPTIONS[setup.option].plan(setup.to_config(), send_to=run.send_to or None)
    positions = {item.key: index for index, item in enumerate(plan)}
    ctx = RunContext(target_for(setup, send_to=run.send_to, subject=run.subject), environment(run.system.zone))

    def save(finding: Finding) -> None:
        CheckResult.objects.create(
            run=run,
            key=finding.key,
            status=str(finding.status),
            code=finding.code or "",
            summary=finding.summary,
            explanation=finding.explanation,
            remedy=finding.remedy,
            evidence=finding.evidence,
            duration_ms=finding.duration_ms,
            position=positions.get(finding.key, 0),
        )
        if finding.key == "send.test" and finding.status != Status.SKIPPED:
            _save_test_send(run, finding)

    return run_plan(plan, ctx, _checks(), on_finding=save, budget=float(settings.PORTAL_RUN_BUDGET))


def _clear_results(run: DiagnosticRun) -> None:
    run.results.all().delete()
    TestSend.objects.filter(run=run).delete()


def _requeue(run: DiagnosticRun) -> None:
    with transaction.atomic():
        _clear_results(run)
        DiagnosticRun.objects.filter(pk=run.pk).update(state=DiagnosticRun.State.QUEUED, started_at=None)


def _abort(run: DiagnosticRun, note: str) -> DiagnosticRun:
    run.note = note
    run.save(update_fields=["note"])
    return _finish(run, DiagnosticRun.State.ABORTED, DiagnosticRun.Verdict.ERROR)


def abort_stale_runs() -> int:
    """End runs no worker will finish: queued too long (no worker for the zone) or claimed by a dead one."""
    now = timezone.now()
    waited = now - timedelta(seconds=settings.PORTAL_QUEUE_TIMEOUT)
    stale = DiagnosticRun.objects.filter(
        Q(state=DiagnosticRun.State.QUEUED, created_at__lt=waited)
        | Q(state=DiagnosticRun.State.RUNNING, started_at__lt=now - stale_after())
    )
    count = 0
    for run in stale:
        if run.state == DiagnosticRun.State.QUEUED:
            minutes = settings.PORTAL_QUEUE_TIMEOUT // 60
            note = f"No worker of zone {run.zone or 'default'} picked the run up within {minutes} minutes."
        else:
            note = f"The worker {run.worker or '(unknown)'} stopped answering during the run."
        _abort(run, note)
        count += 1
    return count


def _checks() -> dict[str, Any]:
    from diagnostics.registry import CHECKS

    return CHECKS


def _save_test_send(run: DiagnosticRun, finding: Finding) -> None:
    facts = finding.facts
    TestSend.objects.create(
        run=run,
        recipient=run.send_to,
        subject=str(facts.get("subject", ""))[:200],
        message_id=str(facts.get("message_id", ""))[:250],
        queue_id=str(facts.get("queue_id", ""))[:250],
        accepted=finding.status in (Status.PASS, Status.WARN),
        transcript=finding.evidence,
    )


def verdict_of(findings: list[Finding]) -> str:
    statuses = {finding.status for finding in findings}
    if Status.FAIL in statuses:
        return DiagnosticRun.Verdict.FAILED
    if Status.ERROR in statuses:
        return DiagnosticRun.Verdict.ERROR
    if Status.WARN in statuses:
        return DiagnosticRun.Verdict.WARNING
    return DiagnosticRun.Verdict.PASSED


def _finish(run: DiagnosticRun, state: str, verdict: str) -> DiagnosticRun:
    run.state, run.verdict, run.finished_at = state, verdict, timezone.now()
    run.save(update_fields=["state", "verdict", "finished_at"])
    return run


def diagnose_now(system: SapSystem, *, trigger: str, user: Any = None, send_to: str = "") -> DiagnosticRun:
    """Run a diagnosis in this process (the CLI; no worker needed).

    If a worker is already running one for the system, wait for that run instead of opening a
    second connection to the mailbox.
    """
    run = create_run(system, trigger=trigger, user=user, send_to=send_to)
    execute_run(run.pk)
    deadline = time.monotonic() + stale_after().total_seconds()
    run.refresh_from_db()
    while not run.is_finished and time.monotonic() < deadline:
        time.sleep(0.5)
        run.refresh_from_db()
    return run
