"""spf.record (present, single, includes the cloud's SPF, ≤ 10 lookups) and spf.egress_ip (authorised).

Both go through OUR resolver (PORTAL_DNS_NAMESERVERS, the lab): checkdmarc takes a resolver for
parsing and counting lookups; pyspf — the reference evaluator, used for "does this IP pass" — has
none, so its module-level ``DNSLookup`` hook (the one its own test-suite replaces) is routed
through the resolver of the check running in the current context, and falls back to pyspf's own
lookup everywhere else.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import checkdmarc.spf
import checkdmarc.utils
import dns.exception
import dns.resolver
import spf as pyspf

from connectors.clouds import Cloud
from connectors.spf import build_spf, is_spf

from ..context import RunContext
from ..findings import Finding, Status
from .dns import dns_failure, finding_builder

_resolver: contextvars.ContextVar[tuple[dns.resolver.Resolver, float] | None] = contextvars.ContextVar(
    "spf_resolver", default=None
)
_pyspf_lookup = pyspf.DNSLookup


def _lookup(name: str, qtype: str, strict: bool = True, timeout: float = 30) -> list[tuple[tuple[str, str], Any]]:
    """pyspf's DNSLookup contract, answered by the resolver of the running check."""
    current = _resolver.get()
    if current is None:
        return _pyspf_lookup(name, qtype, strict, timeout)
    resolver, lifetime = current
    try:
        answer = resolver.resolve(name, qtype, lifetime=min(lifetime, timeout))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise pyspf.TempError(f"DNS {exc}") from exc
    converters = {
        "A": lambda r: r.address,
        "AAAA": lambda r: r.address,
        "MX": lambda r: (r.preference, r.exchange),
        "PTR": lambda r: r.target.to_text(True),
        "TXT": lambda r: r.strings,
        "SPF": lambda r: r.strings,
    }
    convert = converters.get(qtype)
    return [((name, qtype), convert(rdata)) for rdata in answer] if convert else []


pyspf.DNSLookup = _lookup


@contextmanager
def _through(resolver: dns.resolver.Resolver, timeout: float) -> Iterator[None]:
    token = _resolver.set((resolver, timeout))
    checkdmarc.utils.DNS_CACHE.clear()  # a process-wide cache keyed by name only: results of other runs
    try:
        yield
    finally:
        _resolver.reset(token)


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
    with _through(resolver, timeout):
        try:
            parsed = checkdmarc.spf.parse_spf_record(
                records[0], domain, ignore_too_many_lookups=True, resolver=resolver, timeout=timeout, retries=0
            )
        except checkdmarc.spf.SPFError as exc:
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
    results = {}
    with _through(resolver, timeout):
        for ip in ips:
            # A real receiver's view: MAIL FROM the domain, evaluated for the connecting IP.
            results[ip] = pyspf.query(i=ip, s=f"postmaster@{domain}", h=domain, timeout=timeout).check()
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
