"""SAP systems, mail setups and finished runs, built the way the page tests need them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from diagnostics.models import CheckResult, DiagnosticRun
from portal.models import MailSetup, SapSystem


def make_system(sid: str = "PRD", client: str = "100", option: str | None = "oauth2", **facts: object) -> SapSystem:
    facts = {"description": f"{sid} system", "role": "PRD", "basis_release": 757, **facts}
    system = SapSystem.objects.create(sid=sid, client=client, **facts)
    if option:
        MailSetup.objects.create(
            system=system, option=option, sender=f"sap-{sid.lower()}@contoso.com", client_secret="never-show-me",
            tenant="contoso.onmicrosoft.com", client_id="11111111-2222-3333-4444-555555555555",
            mailbox=f"sap-{sid.lower()}@contoso.com",
        )  # fmt: skip
    return system


def finished_run(system: SapSystem, verdict: str, at: datetime | None = None, **result: str) -> DiagnosticRun:
    """A done run with one check result (``key``, ``status``, ``summary``, ``remedy``, ``code`` …)."""
    at = at or timezone.now()
    run = DiagnosticRun.objects.create(
        system=system, option="oauth2", trigger="schedule", state="done", verdict=verdict,
        planned_checks=[result.get("key", "smtp.auth")], started_at=at, finished_at=at,
    )  # fmt: skip
    DiagnosticRun.objects.filter(pk=run.pk).update(created_at=at)
    status = {"passed": "pass", "warning": "warn", "failed": "fail", "error": "error"}[verdict]
    CheckResult.objects.create(
        run=run, key=result.get("key", "smtp.auth"), status=result.get("status", status),
        code=result.get("code", ""), summary=result.get("summary", "SMTP AUTH XOAUTH2 accepted"),
        remedy=result.get("remedy", ""), evidence=result.get("evidence", ""), explanation=result.get("explanation", ""),
    )  # fmt: skip
    return run


def many_systems(count: int) -> None:
    """``count`` systems, each with a setup and two finished runs (failing now, passing before)."""
    systems = SapSystem.objects.bulk_create(
        SapSystem(sid=f"{chr(65 + i // 100)}{i % 100:02d}", client="100", role="PRD") for i in range(count)
    )
    MailSetup.objects.bulk_create(MailSetup(system=system, option="oauth2") for system in systems)
    now = timezone.now()
    DiagnosticRun.objects.bulk_create(
        DiagnosticRun(system=system, option="oauth2", trigger="schedule", state="done", verdict=verdict,
                      finished_at=now - timedelta(minutes=minutes))
        for system in systems for verdict, minutes in (("failed", 5), ("passed", 50))
    )  # fmt: skip
