"""egress.ip: the public IP Exchange Online says it sees ("Hello [x.x.x.x]") vs the configured static IPs.

The result comes from the worker's network zone; the SAP host's own egress can differ, which the
finding says (DESIGN.md: results from the worker are not automatically the SAP host's view).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..catalogue import finding
from ..context import RunContext
from ..findings import Finding, Status
from .dns import unmapped


def _same(a: str, b: str) -> bool:
    try:
        return unmapped(a) == unmapped(b)
    except ValueError:
        return a.strip() == b.strip()


def check_egress_ip(seen_ip: str | None, *, configured: Sequence[str], ip_bound: bool, where: str) -> Finding:
    """``ip_bound``: the route's delivery depends on the IP (connector match, SPF), so a mismatch breaks it."""
    key = "egress.ip"
    facts = {"seen_ip": seen_ip, "configured": list(configured)}
    evidence = (
        f"seen by the server: {seen_ip or 'not reported'}; configured: {', '.join(configured) or 'none'}; from {where}"
    )
    if not seen_ip:
        return finding(key, "egress.ip_not_reported", evidence=evidence, facts=facts)
    if not configured:
        status = Status.WARN if ip_bound else Status.PASS
        summary = f"Exchange sees {seen_ip}; no static egress IP is recorded" + (
            "" if status == Status.WARN else " (none needed for this option)"
        )
        if status == Status.PASS:
            return Finding(key, status, summary, evidence=evidence, facts=facts)
        return finding(key, "egress.ip_not_configured", summary=summary, evidence=evidence, facts=facts)
    if any(_same(seen_ip, ip) for ip in configured):
        return Finding(
            key, Status.PASS, f"Exchange sees {seen_ip}, a configured egress IP", evidence=evidence, facts=facts
        )
    status = Status.FAIL if ip_bound else Status.WARN
    summary = f"Exchange sees {seen_ip}, not the configured {', '.join(configured)} (seen from {where})"
    return finding(key, "egress.ip_mismatch", status=status, summary=summary, evidence=evidence, facts=facts)


def _run_egress_ip(ctx: RunContext) -> Finding:
    seen_ip = ctx.facts("smtp.ehlo").get("seen_ip")
    where = ", ".join(
        part
        for part in (
            f"worker {ctx.env.worker}" if ctx.env.worker else "",
            f"zone {ctx.env.zone}" if ctx.env.zone else "",
        )
        if part
    )
    configured, ip_bound = ctx.target.config.egress_ips, ctx.expect("egress.ip").ip_bound
    return check_egress_ip(seen_ip, configured=configured, ip_bound=ip_bound, where=where or "this worker")


CHECKS = {"egress.ip": _run_egress_ip}
