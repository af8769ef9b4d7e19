"""spf.record (present, single, includes the cloud's SPF, ≤ 10 lookups) and spf.egress_ip (authorised).

Both go through OUR resolver (PORTAL_DNS_NAMESERVERS, the lab) and share nothing between runs:
checkdmarc takes the resolver as an argument (its process-wide cache is off, see
checkdmarc_uncached); pyspf — the reference evaluator, used for "does this IP pass" — has no
resolver argument, so each evaluation is a ``RunQuery``: pyspf's query object whose DNS method
(the one every mechanism goes through) asks the resolver it was given. pyspf's module-level
lookup is left as pyspf ships it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dns.exception
import dns.resolver
import spf as pyspf

from connectors.clouds import Cloud
from connectors.spf import build_spf, is_spf

from ..context import RunContext
from ..findings import Finding, Status
from .checkdmarc_uncached import checkdmarc_spf
from .dns import dns_failure, finding_builder

# pyspf's answer shapes per record type (what its own dnspython lookup returns).
_VALUES: dict[str, Callable[[Any], Any]] = {
    "A": lambda rdata: rdata.address,
    "AAAA": lambda rdata: rdata.address,
    "MX": lambda rdata: (rdata.preference, rdata.exchange),
    "PTR": lambda rdata: rdata.target.to_text(True),
    "TXT": lambda rdata: rdata.strings,
    "SPF": lambda rdata: rdata.strings,
}


class RunQuery(pyspf.query):
    """One SPF evaluation whose DNS questions go to ``resolver``, never to pyspf's own lookup.

    ``query.dns`` is pyspf's per-query DNS method (documented: the answers for a name and type,
    [] for none, cached per query). Kept here: its cache, its void-lookup limit (RFC 7208 4.6.4)
    and TempError for a failed lookup. CNAMEs are followed by dnspython.
    """

    def __init__(self, *, i: str, s: str, h: str, resolver: dns.resolver.Resolver, timeout: float) -> None:
        super().__init__(i=i, s=s, h=h, timeout=timeout)
        self.resolver = resolver

    def dns(self, name: Any, qtype: str, cnames: Any = None, ignore_void: bool = False) -> list[Any]:
        name = str(name).rstrip(".").lower()
        if not name or not all(0 < len(label) < 64 for label in name.split(".")):
            return []  # not a DNS name: pyspf answers nothing for it either
        if (name, qtype) not in self.cache:
            self.cache[(name, qtype)] = self._ask(name, qtype)
        answers = self.cache[(name, qtype)]
        if not answers and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > pyspf.MAX_VOID_LOOKUPS:
                raise pyspf.PermError(f"Void lookup limit of {pyspf.MAX_VOID_LOOKUPS} exceeded")
        return list(answers)

    def _ask(self, name: str, qtype: str) -> list[Any]:
        try:
            answer = self.resolver.resolve(name, qtype, lifetime=self.timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as exc:
            raise pyspf.TempError(f"DNS {exc}") from exc
        value = _VALUES.get(qtype)
        return [value(rdata) for rdata in answer] if value else []


def spf_records(domain: str, resolver: dns.resolver.Resolver, timeout: float) -> list[str]:
    """The domain's SPF TXT records (strings joined); raises DNS errors other than NoAnswer."""
    try:
        answer = resolver.resolve(domain, "TXT", lifetime=timeout)
    except dns.resolver.NoAnswer:
        return []
    texts = [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]
    return [text for text in texts if is_spf(text)]


def check_spf_record(
    domain: str, *, cloud: Cloud, egress_ips: tuple[str, ...], resolver: dns.resolver.Resolver, timeout: float
) -> Finding:
    include = cloud.spf_include
    if not domain:
        return Finding("spf.record", Status.SKIPPED, "No sender address, so no sender domain to check")
    try:
        records = spf_records(domain, resolver, timeout)
    except dns.exception.DNSException as exc:
        return _lookup_failure("spf.record", domain, exc, egress_ips, include)
    suggestion = build_spf(records, ips=egress_ips, include=include).record
    finding = finding_builder("spf.record", domain=domain, include=include, record=suggestion)
    evidence = "\n".join(f"{domain} TXT {record}" for record in records)
    if not records:
        return finding(Status.FAIL, f"{domain} publishes no SPF record", "spf.missing")
    if len(records) > 1:
        return finding(Status.FAIL, f"{domain} publishes {len(records)} SPF records", "spf.multiple", evidence)
    try:
        parsed = checkdmarc_spf.parse_spf_record(
            records[0], domain, ignore_too_many_lookups=True, resolver=resolver, timeout=timeout, retries=0
        )
    except checkdmarc_spf.SPFError as exc:
        return finding(Status.FAIL, f"The SPF record of {domain} is invalid: {exc}", "spf.invalid", evidence)
    lookups = parsed["dns_lookups"]
    evidence += f"\nDNS lookups: {lookups} of 10" + "".join(f"\nwarning: {w}" for w in parsed["warnings"])
    if "error" in parsed:
        return finding(Status.FAIL, f"The SPF record of {domain}: {parsed['error']}", "spf.too_many_lookups", evidence)
    if not _includes(parsed["parsed"], include):
        return finding(Status.FAIL, f"The SPF record of {domain} lacks include:{include}", "spf.no_include", evidence)
    return finding(
        Status.PASS, f"{domain} has one SPF record with include:{include}, {lookups} of 10 DNS lookups", None, evidence
    )


def _includes(parsed: dict[str, Any] | None, include: str) -> bool:
    """Whether the record (or a record it includes or redirects to) includes ``include``."""
    if not parsed:
        return False
    for mechanism in parsed.get("mechanisms", []):
        if mechanism.get("mechanism") == "include" and mechanism.get("action") == "pass":
            if mechanism["value"].lower() == include.lower() or _includes(mechanism.get("parsed"), include):
                return True
    redirect = parsed.get("redirect") or {}
    return redirect.get("domain", "").lower() == include.lower() or _includes(redirect.get("parsed"), include)


def check_spf_egress_ip(
    domain: str, ips: tuple[str, ...], *, cloud: Cloud, resolver: dns.resolver.Resolver, timeout: float
) -> Finding:
    if not domain:
        return Finding("spf.egress_ip", Status.SKIPPED, "No sender address, so no sender domain to check")
    if not ips:
        finding = finding_builder("spf.egress_ip")
        return finding(
            Status.SKIPPED, "No egress IP is known: none seen by Exchange, none configured", "spf.no_egress_ip"
        )
    # A real receiver's view: MAIL FROM the domain, evaluated for the connecting IP.
    results = {
        ip: RunQuery(i=ip, s=f"postmaster@{domain}", h=domain, resolver=resolver, timeout=timeout).check() for ip in ips
    }
    evidence = "\n".join(f"{ip}: {result} ({explanation})" for ip, (result, _, explanation) in results.items())
    failing = [ip for ip, (result, _, _) in results.items() if result != "pass"]
    if not failing:
        return Finding("spf.egress_ip", Status.PASS, f"SPF of {domain} authorises {', '.join(ips)}", evidence=evidence)
    ip = failing[0]
    result = results[ip][0]
    if result == "temperror":
        finding = finding_builder("spf.egress_ip", domain=domain)
        return finding(
            Status.ERROR, f"SPF of {domain} could not be evaluated for {ip} (DNS)", "spf.lookup_failed", evidence
        )
    record = build_spf(_records_or_none(domain, resolver, timeout), ips=ips, include=cloud.spf_include).record
    finding = finding_builder("spf.egress_ip", domain=domain, ip=ip, record=record)
    if result == "permerror":
        return finding(Status.FAIL, f"SPF of {domain} is broken (permerror)", "spf.invalid", evidence)
    return finding(
        Status.FAIL, f"SPF of {domain} does not authorise {ip} (result: {result})", "spf.ip_not_authorised", evidence
    )


def _records_or_none(domain: str, resolver: dns.resolver.Resolver, timeout: float) -> list[str] | None:
    try:
        return spf_records(domain, resolver, timeout)
    except dns.exception.DNSException:
        return None


def _lookup_failure(
    key: str, domain: str, exc: dns.exception.DNSException, egress_ips: tuple[str, ...], include: str
) -> Finding:
    record = build_spf(None, ips=egress_ips, include=include).record
    finding = finding_builder(key, domain=domain, include=include, record=record)
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return finding(Status.FAIL, f"{domain} does not exist (NXDOMAIN), so it has no SPF record", "spf.missing")
    _, words = dns_failure(exc)
    return finding(Status.ERROR, f"The SPF record of {domain} {words}", "spf.lookup_failed")


# -- adapters for the runner ---------------------------------------------------------------------------
def egress_ips(ctx: RunContext) -> tuple[str, ...]:
    """The IP Exchange saw (egress.ip), else the configured static IPs."""
    seen = ctx.facts("egress.ip").get("seen_ip")
    return (seen,) if seen else tuple(ctx.target.config.egress_ips)


def _spf_record(ctx: RunContext) -> Finding:
    config = ctx.target.config
    return check_spf_record(
        config.sender_domain,
        cloud=ctx.target.cloud,
        egress_ips=egress_ips(ctx),
        resolver=ctx.resolver(),
        timeout=ctx.env.timeout,
    )


def _spf_egress_ip(ctx: RunContext) -> Finding:
    return check_spf_egress_ip(
        ctx.target.config.sender_domain,
        egress_ips(ctx),
        cloud=ctx.target.cloud,
        resolver=ctx.resolver(),
        timeout=ctx.env.timeout,
    )


CHECKS: dict[str, Callable[[RunContext], Finding]] = {"spf.record": _spf_record, "spf.egress_ip": _spf_egress_ip}
