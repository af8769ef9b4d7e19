"""Shared fixtures of the diagnostics tests: one composed lab for the session, free ports.

``lab`` is the whole lab (DNS, Entra ID, Exchange Online SMTP). Tests never change what other
tests rely on: each one that needs tenants or mailboxes gets its own ``org`` (a fresh tenant with
its own domain, app and mailboxes). ``run_chain`` steps a mail setup through checks in order, the
way the engine does for a linear chain (a check after a failed one is skipped).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from connectors.config import MailConfig
from diagnostics.checks import egress, smtp, tcp, tls
from diagnostics.context import Environment, RunContext, Target
from diagnostics.findings import Finding, Status
from lab import Lab
from lab.entra import LabApp
from lab.smtp import LISTENERS

FAST = 1.0  # seconds per network step: the lab answers in milliseconds
TIMEOUT_CASE = 0.5  # for the cases that must wait for a timeout
SMTP_CHECKS: dict[str, Callable[[RunContext], Finding]] = {**tcp.CHECKS, **smtp.CHECKS, **tls.CHECKS, **egress.CHECKS}
UP_TO_ENVELOPE = (
    "tcp.connect",
    "smtp.banner",
    "smtp.ehlo",
    "tls.starttls",
    "tls.certificate",
    "smtp.auth_mechanisms",
    "smtp.auth",
    "smtp.envelope",
)
BLOCKING = (Status.FAIL, Status.ERROR, Status.SKIPPED)


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    with Lab.start() as started:
        yield started


@pytest.fixture
def lab_env(lab: Lab) -> Environment:
    return lab.environment(timeout=FAST, worker="sap-worker-01")


def listener_host(name: str) -> str:
    host = next(item.host for item in LISTENERS if item.name == name)
    return "good-lab-test.mail.protection.lab.test" if host.startswith("<") else host


def lab_config(lab: Lab, listener: str, option: str = "oauth2", **values: Any) -> MailConfig:
    """A mail setup pointing at one lab listener (its host name in the lab DNS and its port)."""
    defaults: dict[str, Any] = {
        "sid": "TST",
        "client": "100",
        "option": option,
        "cloud": "lab",
        "smtp_host": listener_host(listener),
        "smtp_port": lab.port(listener),
        "tls": "starttls",
    }
    return MailConfig(**{**defaults, **values})


@dataclass
class Org:
    """One tenant of its own: Entra ID and Exchange Online agree on it."""

    lab: Lab
    tenant_id: str
    domain: str
    app: LabApp
    mailboxes: list[str] = field(default_factory=list)

    def mailbox(self, local: str = "sap", **flags: Any) -> str:
        address = f"{local}@{self.domain}"
        flags.setdefault("full_access", {self.app.client_id})
        self.lab.directory.add_mailbox(address, tenant_id=self.tenant_id, **flags)
        return address

    def token(self) -> str:
        return self.lab.entra.issue_token(self.app)

    @property
    def exchange(self) -> Any:
        return self.lab.directory.tenants[self.tenant_id]


@pytest.fixture
def org(lab: Lab) -> Org:
    domain = f"t{uuid.uuid4().hex[:10]}.lab.test"
    tenant_id = lab.entra.add_tenant(domain)
    app = lab.entra.register_app(tenant_id, str(uuid.uuid4()), secret="lab-only-secret-value")
    lab.directory.add_tenant(tenant_id, domain, service_principals={app.client_id})
    return Org(lab, tenant_id, domain, app)


def make_context(
    target: Target, env: Environment, *, token: str | None = None, claims: dict | None = None
) -> RunContext:
    """A run context; ``token`` plays oauth.token's result (a real token from the lab Entra)."""
    ctx = RunContext(target, env)
    if token:
        ctx.record(Finding("oauth.token", Status.PASS, "token", facts={"access_token": token, "claims": claims or {}}))
    return ctx


def run_chain(ctx: RunContext, keys: Sequence[str] = UP_TO_ENVELOPE, *, close: bool = True) -> dict[str, Finding]:
    """Run ``keys`` in order; once one blocks, the rest are skipped (as the engine does for a chain)."""
    findings: dict[str, Finding] = {}
    blocked: str | None = None
    try:
        for key in keys:
            if blocked:
                finding = Finding(key, Status.SKIPPED, f"Skipped: {blocked} did not pass.")
            else:
                finding = SMTP_CHECKS[key](ctx)
            ctx.record(finding)
            findings[key] = finding
            # tls.certificate and egress.ip are side branches: later steps don't depend on them.
            if finding.status in BLOCKING and key not in ("tls.certificate", "egress.ip") and not blocked:
                blocked = key
    finally:
        if close:
            ctx.close()
    return findings
