"""Systems, setups and finished runs for the page tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from diagnostics.models import CheckResult, DiagnosticRun
from lab.dns import LabDns
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


@pytest.fixture
def prd() -> SapSystem:
    return make_system()


@pytest.fixture
def failing_prd(prd: SapSystem) -> SapSystem:
    earlier = timezone.now() - timedelta(hours=3)
    finished_run(prd, "passed", at=earlier)
    finished_run(
        prd, "failed", at=earlier + timedelta(hours=1), key="oauth.token", code="AADSTS7000222",
        summary="The client secret expired", remedy="Basis must renew the client secret in Entra ID",
        evidence="POST /token -> 401 invalid_client",
    )  # fmt: skip
    finished_run(prd, "failed", at=earlier + timedelta(hours=2), key="oauth.token", code="AADSTS7000222",
                 summary="The client secret expired", remedy="Basis must renew the client secret in Entra ID",
                 evidence="POST /token -> 401 invalid_client (again)")  # fmt: skip
    return prd


@pytest.fixture(scope="session")
def page_dns() -> Iterator[LabDns]:
    """A DNS server on loopback for the pages: guides read the sender domain's SPF record live."""
    with LabDns() as server:
        yield server


@pytest.fixture(autouse=True)
def dns_stays_on_loopback(settings, page_dns: LabDns) -> LabDns:
    """Every name a page looks up goes to the loopback server (empty unless a test adds records): no test
    ever asks the internet, and a domain it doesn't know simply does not exist."""
    page_dns.records.clear()
    settings.PORTAL_DNS_NAMESERVERS = page_dns.nameservers
    return page_dns
