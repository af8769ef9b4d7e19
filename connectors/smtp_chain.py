"""The pieces of a plan every SMTP option shares: reaching the server and sending a test.

Keys and dependencies are a contract with diagnostics/ (DESIGN.md): change them only together.
"""

from __future__ import annotations

from connectors.plan import PlannedCheck


def connection_checks() -> tuple[PlannedCheck, ...]:
    """Name → TCP → banner → EHLO → STARTTLS → certificate, each after the previous one."""
    return (
        PlannedCheck("dns.host"),
        PlannedCheck("tcp.connect", after=("dns.host",)),
        PlannedCheck("smtp.banner", after=("tcp.connect",)),
        PlannedCheck("smtp.ehlo", after=("smtp.banner",)),
        PlannedCheck("tls.starttls", after=("smtp.ehlo",)),
        PlannedCheck("tls.certificate", after=("tls.starttls",)),
    )


def envelope_and_send(*, after: str, send_to: str | None) -> tuple[PlannedCheck, ...]:
    """The envelope probe (MAIL FROM / RCPT TO / RSET), then a real message only when asked."""
    checks = [PlannedCheck("smtp.envelope", after=(after,))]
    if send_to:
        checks.append(PlannedCheck("send.test", after=("smtp.envelope",)))
    return tuple(checks)


def egress_ip() -> PlannedCheck:
    """The public IP Exchange Online saw, read from the EHLO reply."""
    return PlannedCheck("egress.ip", after=("smtp.ehlo",))


def domain_records() -> tuple[PlannedCheck, ...]:
    return (PlannedCheck("spf.record"), PlannedCheck("dmarc.record"), PlannedCheck("dkim.record"))


def keys(plan: tuple[PlannedCheck, ...]) -> tuple[str, ...]:
    return tuple(check.key for check in plan)
