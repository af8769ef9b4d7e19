"""The one diagnostics module that touches the ORM: builds the target from a system's mail setup,
runs its option's plan and saves each result as it finishes."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from connectors.registry import OPTIONS
from connectors.retirement import DEFAULT_MILESTONES, parse_milestones
from diagnostics.context import Environment, RunContext, Target
from diagnostics.engine import run_plan
from diagnostics.findings import Finding, Status
from diagnostics.models import CheckResult, DiagnosticRun, TestSend
from portal.models import MailSetup, SapSystem

logger = logging.getLogger(__name__)


class NoMailSetup(Exception):
    """The system has no mail setup, so there is nothing to diagnose."""


def environment(zone: str = "") -> Environment:
    """The diagnostics' view of the settings (PORTAL_*), for the worker running in ``zone``."""
    milestones = DEFAULT_MILESTONES
    if settings.PORTAL_BASIC_AUTH_MILESTONES:
        milestones = parse_milestones(settings.PORTAL_BASIC_AUTH_MILESTONES)
    return Environment(
        nameservers=settings.PORTAL_DNS_NAMESERVERS,
        extra_ca_bundle=settings.PORTAL_EXTRA_CA_BUNDLE,
        login_base=settings.PORTAL_LOGIN_AUTHORITY_HOST,
        allow_loopback=settings.PORTAL_ALLOW_LOOPBACK_TARGETS,
        allowed_ports=settings.PORTAL_ALLOWED_PORTS,
        https_proxy=settings.PORTAL_HTTPS_PROXY,
        dnsbl_zones=tuple(settings.PORTAL_DNSBL_ZONES),
        milestones=milestones,
        timeout=float(settings.PORTAL_CHECK_TIMEOUT),
        worker=settings.PORTAL_WORKER_NAME,
        zone=zone,
    )


def target_for(setup: MailSetup, *, send_to: str = "") -> Target:
    return Target(
        config=setup.to_config(),
        secret=setup.client_secret.reveal() or None,
        private_key_pem=setup.private_key.reveal() or None,
        certificate_pem=setup.certificate_pem or None,
        send_to=send_to or None,
        subject=f"Test mail from the SAP Mail Health Portal for {setup.system}" if send_to else None,
    )


def _setup_of(system: SapSystem) -> MailSetup:
    setup = MailSetup.objects.filter(system=system).first()
    if setup is None:
        raise NoMailSetup(f"{system} has no mail setup: add one before running the checks")
    return setup


def create_run(system: SapSystem, *, trigger: str, user: Any = None, send_to: str = "") -> DiagnosticRun:
    """A queued run with its planned checks, so a page can show progress from the first second."""
    setup = _setup_of(system)
    plan = OPTIONS[setup.option].plan(setup.to_config(), send_to=send_to or None)
    return DiagnosticRun.objects.create(
        system=system,
        option=setup.option,
        trigger=trigger,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        send_to=send_to,
        zone=system.zone,
        planned_checks=[item.key for item in plan],
    )


def enqueue_run(run: DiagnosticRun) -> None:
    """Hand the run to a worker of its zone once the run row is committed."""
    from diagnostics.tasks import run_diagnosis_task

    queue = run.system.queue if settings.PORTAL_ROUTE_BY_ZONE else "default"
    transaction.on_commit(lambda: run_diagnosis_task.apply_async(args=[run.pk], queue=queue))


def claim(run_id: int) -> bool:
    """Only one worker may run a run: a duplicate delivery finds it no longer queued."""
    return bool(
        DiagnosticRun.objects.filter(pk=run_id, state=DiagnosticRun.State.QUEUED).update(
            state=DiagnosticRun.State.RUNNING,
            started_at=timezone.now(),
            worker=settings.PORTAL_WORKER_NAME,
        )
    )


def execute_run(run_id: int) -> DiagnosticRun | None:
    """Run a claimed run's plan, saving each check as it finishes; returns None if already claimed."""
    if not claim(run_id):
        return None
    run = DiagnosticRun.objects.select_related("system").get(pk=run_id)
    try:
        setup = _setup_of(run.system)
    except NoMailSetup:
        return _finish(run, DiagnosticRun.State.ABORTED, DiagnosticRun.Verdict.ERROR)
    config = setup.to_config()
    plan = OPTIONS[setup.option].plan(config, send_to=run.send_to or None)
    positions = {item.key: index for index, item in enumerate(plan)}
    ctx = RunContext(target_for(setup, send_to=run.send_to), environment(run.system.zone))

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

    try:
        findings = run_plan(plan, ctx, _checks(), on_finding=save, budget=float(settings.PORTAL_RUN_BUDGET))
    except OperationalError:
        _requeue(run)  # the database broke, not the mail setup: let the task retry from a clean slate
        raise
    return _finish(run, DiagnosticRun.State.DONE, verdict_of(findings))


def _requeue(run: DiagnosticRun) -> None:
    with transaction.atomic():
        run.results.all().delete()
        TestSend.objects.filter(run=run).delete()
        DiagnosticRun.objects.filter(pk=run.pk).update(state=DiagnosticRun.State.QUEUED, started_at=None)


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
    """Create and run a diagnosis in this process (the CLI; no worker needed)."""
    run = create_run(system, trigger=trigger, user=user, send_to=send_to)
    execute_run(run.pk)
    run.refresh_from_db()
    return run
