"""dnsbl.egress_ip: is the egress IP on a DNS blocklist (Spamhaus ZEN and two others by default)?

A listing is an A record 127.0.0.x under ``<reversed ip>.<zone>``; NXDOMAIN means not listed.
127.255.255.x is the list refusing to answer (public resolver, over quota, typo): an error, never
"listed".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import dns.exception
import dns.resolver

from ..context import RunContext
from ..findings import Finding, Status
from .dns import dns_failure, finding_builder, unmapped
from .spf import egress_ips

REFUSED = ipaddress.ip_network("127.255.255.0/24")
LISTED = ipaddress.ip_network("127.0.0.0/8")
DELISTING = {  # zone suffix → where the owner of the IP asks for removal
    "spamhaus.org": "https://check.spamhaus.org/",
    "spamcop.net": "https://www.spamcop.net/bl.shtml",
    "barracudacentral.org": "https://www.barracudacentral.org/rbl/removal-request",
}


@dataclass(frozen=True)
class ZoneAnswer:
    ip: str
    zone: str
    outcome: str  # "clean", "listed", "refused", "failed"
    detail: str = ""


def query_name(ip: str, zone: str) -> str:
    """203.0.113.66 → 66.113.0.203.<zone>; IPv6 as reversed nibbles."""
    return unmapped(ip).reverse_pointer.rsplit(".", 2)[0] + f".{zone}"


def query_zone(ip: str, zone: str, resolver: dns.resolver.Resolver, timeout: float) -> ZoneAnswer:
    name = query_name(ip, zone)
    try:
        codes = [rdata.address for rdata in resolver.resolve(name, "A", lifetime=timeout)]
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return ZoneAnswer(ip, zone, "clean")
    except dns.exception.DNSException as exc:
        return ZoneAnswer(ip, zone, "failed", dns_failure(exc)[1])
    if any(ipaddress.ip_address(code) in REFUSED for code in codes):
        return ZoneAnswer(ip, zone, "refused", ", ".join(codes))
    if not all(ipaddress.ip_address(code) in LISTED for code in codes):
        return ZoneAnswer(ip, zone, "failed", f"unexpected answer {', '.join(codes)} (a list that was shut down?)")
    return ZoneAnswer(ip, zone, "listed", f"{', '.join(codes)} {_reason(name, resolver, timeout)}".strip())


def _reason(name: str, resolver: dns.resolver.Resolver, timeout: float) -> str:
    try:
        answer = resolver.resolve(name, "TXT", lifetime=timeout)
    except dns.exception.DNSException:
        return ""
    return " ".join(b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer)


def delisting(zone: str) -> str:
    return next((url for suffix, url in DELISTING.items() if zone.endswith(suffix)), f"the operator of {zone}")


def check_dnsbl(
    ips: tuple[str, ...],
    zones: tuple[str, ...],
    *,
    resolver: dns.resolver.Resolver,
    allow_loopback: bool,
    timeout: float,
) -> Finding:
    if not ips:
        finding = finding_builder("dnsbl.egress_ip")
        return finding(
            Status.SKIPPED, "No egress IP is known: none seen by Exchange, none configured", "spf.no_egress_ip"
        )
    public = [ip for ip in ips if unmapped(ip).is_global or allow_loopback]
    if not public:
        finding = finding_builder("dnsbl.egress_ip")
        return finding(Status.SKIPPED, f"{', '.join(ips)} is not a public address", "dnsbl.no_public_ip")
    jobs = [(ip, zone) for ip in public for zone in zones]
    with ThreadPoolExecutor(max_workers=min(8, len(jobs) or 1)) as pool:  # one slow list must not add up
        answers = list(pool.map(lambda job: query_zone(*job, resolver, timeout), jobs))
    evidence = "\n".join(f"{query_name(a.ip, a.zone)}: {a.outcome} {a.detail}".rstrip() for a in answers)
    by_outcome = {outcome: [a for a in answers if a.outcome == outcome] for outcome in ("listed", "refused", "failed")}
    if by_outcome["listed"]:
        hits = by_outcome["listed"]
        finding = finding_builder("dnsbl.egress_ip", delist="; ".join(f"{a.zone}: {delisting(a.zone)}" for a in hits))
        listed = ", ".join(f"{a.ip} on {a.zone}" for a in hits)
        return finding(Status.FAIL, f"Blocklisted: {listed}", "dnsbl.listed", evidence)
    finding = finding_builder("dnsbl.egress_ip")
    if by_outcome["refused"]:
        zones_refused = ", ".join(a.zone for a in by_outcome["refused"])
        return finding(
            Status.ERROR, f"{zones_refused} refused the query (127.255.255.x)", "dnsbl.query_refused", evidence
        )
    if by_outcome["failed"]:
        zones_failed = ", ".join(a.zone for a in by_outcome["failed"])
        return finding(Status.ERROR, f"{zones_failed} could not be queried", "dnsbl.lookup_failed", evidence)
    return finding(Status.PASS, f"{', '.join(public)} is on none of {len(zones)} blocklists", None, evidence)


def _dnsbl_egress_ip(ctx: RunContext) -> Finding:
    return check_dnsbl(
        egress_ips(ctx),
        tuple(ctx.env.dnsbl_zones),
        resolver=ctx.resolver(),
        allow_loopback=ctx.env.allow_loopback,
        timeout=ctx.env.timeout,
    )


CHECKS: dict[str, Callable[[RunContext], Finding]] = {"dnsbl.egress_ip": _dnsbl_egress_ip}
