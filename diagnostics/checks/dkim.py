"""dkim.record: the sender domain publishes the two DKIM selector CNAMEs that let Exchange Online sign its mail.

Exchange Online signs outbound mail with the tenant's *.onmicrosoft.com domain until DKIM is set up for the
custom domain; DMARC then finds no aligned DKIM signature (the signing domain differs from the From domain).
The domain publishes ``selector1._domainkey`` and ``selector2._domainkey`` as CNAMEs to Microsoft, in one of
two documented forms (source: Microsoft Learn, "Set up DKIM to sign mail from your Microsoft 365 domain",
https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure, and its 2025 revision):

- classic: ``selector1-<domain-dashes>._domainkey.<initial domain>.onmicrosoft.com``
- domains set up from 2025: ``selector1-<domain-dashes>._domainkey.<initial domain prefix>.<partition>-v1.dkim.mail.microsoft``

Only the domain and the cloud are needed; the check knows nothing of connection options.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import dns.exception
import dns.resolver

from connectors.clouds import Cloud

from ..context import RunContext
from ..findings import Finding, Status
from .dns import dns_failure, finding_builder

SELECTORS = ("selector1", "selector2")
_NEW_FORM = re.compile(r"\._domainkey\.[a-z0-9-]+\.[a-z0-9]+-v\d+\.dkim\.mail\.microsoft$")


def microsoft_form(target: str, selector: str, cloud: Cloud) -> str | None:
    """'classic' or 'current' when ``target`` is where Exchange Online publishes this selector's key."""
    name = target.lower().rstrip(".")
    if not name.startswith(f"{selector}-"):
        return None
    if _NEW_FORM.search(name):
        return "current"
    if re.search(rf"\._domainkey\.[a-z0-9-]+\.{re.escape(cloud.tenant_suffix)}$", name):
        return "classic"
    return None


def _cname(name: str, resolver: dns.resolver.Resolver, timeout: float) -> str | None:
    try:
        answer = resolver.resolve(name, "CNAME", lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    return answer[0].target.to_text(omit_final_dot=True).lower()


def check_dkim_record(domain: str, *, cloud: Cloud, resolver: dns.resolver.Resolver, timeout: float) -> Finding:
    if not domain:
        return Finding("dkim.record", Status.SKIPPED, "No sender address, so no sender domain to check")
    finding = finding_builder("dkim.record", domain=domain)
    targets: dict[str, str | None] = {}
    try:
        for selector in SELECTORS:
            targets[selector] = _cname(f"{selector}._domainkey.{domain}", resolver, timeout)
    except dns.exception.DNSException as exc:
        _, words = dns_failure(exc)
        return finding(Status.ERROR, f"The DKIM records of {domain} {words}", "dkim.lookup_failed")
    evidence = "\n".join(
        f"{selector}._domainkey.{domain} CNAME {target or '(none)'}" for selector, target in targets.items()
    )
    forms = {selector: microsoft_form(target, selector, cloud) for selector, target in targets.items() if target}
    if not any(targets.values()):
        return finding(
            Status.WARN, f"{domain} publishes no DKIM selector for Exchange Online", "dkim.missing", evidence
        )
    if not any(forms.values()):
        summary = f"The DKIM selectors of {domain} point elsewhere, not at Exchange Online"
        return finding(Status.WARN, summary, "dkim.other_signer", evidence)
    missing = [selector for selector in SELECTORS if not forms.get(selector)]
    if missing:
        summary = f"{domain} publishes only one DKIM selector for Exchange Online ({', '.join(missing)} is missing)"
        return finding(Status.WARN, summary, "dkim.selector_missing", evidence)
    kinds = " and ".join(sorted(set(filter(None, forms.values()))))
    summary = f"{domain} publishes both DKIM selectors of Exchange Online ({kinds} form)"
    return finding(Status.PASS, summary, None, evidence)


def _dkim_record(ctx: RunContext) -> Finding:
    return check_dkim_record(
        ctx.target.config.sender_domain, cloud=ctx.target.cloud, resolver=ctx.resolver(), timeout=ctx.env.timeout
    )


CHECKS: dict[str, Callable[[RunContext], Finding]] = {"dkim.record": _dkim_record}
