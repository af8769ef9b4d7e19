"""Helpers for the diagnostics tests: setups pointing at the session's lab, contexts, check chains.

The fixtures (``lab``, ``lab_dns``, ``org``, ``make_ctx`` ...) are in tests/diagnostics/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from connectors.config import MailConfig
from connectors.registry import plan_for
from diagnostics.checks import egress, smtp, tcp, tls
from diagnostics.context import Environment, RunContext, Target
from diagnostics.findings import Finding, Status
from lab import Lab
from lab.dns import LAB_DNSBL_ZONES
from lab.entra import LabApp
from lab.smtp import LISTENERS

FAST = 1.0  # seconds per network step: the lab answers in milliseconds
TIMEOUT_CASE = 0.5  # for the cases that must wait for a timeout
DNS_TIMEOUT = 0.4  # DNS-only checks: only the "no answer" cases wait this long
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


def lab_env_for(lab: Lab, *, entra: bool = False, **overrides: Any) -> Environment:
    """The lab's DNS (and, with ``entra``, its Entra ID by localhost and its CA), loopback allowed."""
    env = Environment(
        nameservers=lab.dns.nameservers,
        extra_ca_bundle=str(lab.pki.ca_pem_path) if entra else None,
        login_base=lab.entra.base_url if entra else None,
        allow_loopback=True,
        dnsbl_zones=LAB_DNSBL_ZONES,
        timeout=2.0 if entra else DNS_TIMEOUT,
    )
    return replace(env, **overrides)


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


def make_context(
    target: Target, env: Environment, *, token: str | None = None, claims: dict | None = None
) -> RunContext:
    """A run context with the expectations of the target's option's plan, as the engine gives it;
    ``token`` plays oauth.token's result (a real token from the lab Entra)."""
    ctx = RunContext(target, env)
    ctx.use_plan(plan_for(target.config, send_to=target.send_to))
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
