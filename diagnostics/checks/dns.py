"""dns.host (the SMTP host resolves, to addresses we may probe) and dns.mx (the host is the MX endpoint)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import dns.exception
import dns.resolver

from connectors.clouds import Cloud

from ..catalogue.dns_findings import describe
from ..context import RunContext
from ..findings import Finding, Status

NEW_MX_SUFFIX = ".mx.microsoft"  # new tenants' MX records: <domain>.<x>-v1.mx.microsoft


def dns_failure(exc: dns.exception.DNSException) -> tuple[str, str]:
    """(code, words) for a failed lookup; NXDOMAIN and timeouts must not look alike."""
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return "dns.nxdomain", "does not exist (NXDOMAIN)"
    if isinstance(exc, dns.exception.Timeout):
        return "dns.timeout", "could not be resolved: no DNS server answered in time"
    if isinstance(exc, dns.resolver.NoNameservers):
        return "dns.servfail", "could not be resolved: the DNS servers failed (SERVFAIL)"
    if isinstance(exc, dns.resolver.NoAnswer):
        return "dns.no_address", "has no record of the asked type"
    return "dns.servfail", f"could not be resolved ({type(exc).__name__})"


def resolve_addresses(host: str, resolver: dns.resolver.Resolver, timeout: float) -> tuple[list[str], str]:
    """IPv4 then IPv6 addresses of a host, and its canonical name; raises the first lookup's error."""
    addresses: list[str] = []
    canonical = host
    for rtype in ("A", "AAAA"):
        try:
            answer = resolver.resolve(host, rtype, lifetime=timeout)
        except dns.resolver.NoAnswer:
            continue
        except dns.exception.Timeout:
            if rtype == "AAAA" and addresses:
                continue  # an IPv4 answer is enough; some servers drop AAAA queries
            raise
        canonical = answer.canonical_name.to_text(omit_final_dot=True)
        addresses += [rdata.address for rdata in answer]
    if not addresses:
        raise dns.resolver.NoAnswer
    return addresses, canonical


def unmapped(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address to judge: ``::ffff:127.0.0.1`` is 127.0.0.1 (IPv4-mapped IPv6 reaches the IPv4 host)."""
    ip = ipaddress.ip_address(address.strip("[]"))
    return (ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None) or ip


def _refusal(address: str, *, allow_loopback: bool, microsoft: bool) -> str | None:
    ip = unmapped(address)
    if ip.is_loopback:
        return None if allow_loopback else "dns.loopback_refused"
    if ip.is_unspecified:  # 0.0.0.0 and :: reach this host, whatever the lab allows
        return "dns.unspecified_refused"
    if ip.is_link_local:  # 169.254.0.0/16 and fe80::/10: a cloud's instance metadata lives there
        return "dns.link_local_refused"
    if ip.is_multicast:
        return "dns.multicast_refused"
    if microsoft and ip.is_private:
        return "dns.private_address"  # an internal relay (relay_server) may well be private
    return None


def check_dns_host(
    host: str,
    *,
    microsoft_endpoint: bool,
    expected: str,
    resolver: dns.resolver.Resolver,
    allow_loopback: bool,
    timeout: float,
) -> Finding:
    """``expected`` is the name Microsoft documents for this route (for the remedy)."""
    finding = finding_builder("dns.host", expected=expected, host=host)
    if not host:
        return finding(Status.FAIL, "No mail host is configured", "dns.no_host")
    if _is_ip(host):
        if microsoft_endpoint:
            return finding(Status.FAIL, f"The mail host is the IP address {host}, not a host name", "dns.ip_literal")
        addresses, evidence = [host], f"{host} is an IP address"
    else:
        try:
            addresses, canonical = resolve_addresses(host, resolver, timeout)
        except dns.exception.DNSException as exc:
            code, words = dns_failure(exc)
            return finding(Status.FAIL, f"{host} {words}", code)
        alias = f" (alias of {canonical})" if canonical.lower() != host.lower().rstrip(".") else ""
        evidence = f"{host}{alias} → {', '.join(addresses)}"
    for address in addresses:
        code = _refusal(address, allow_loopback=allow_loopback, microsoft=microsoft_endpoint)
        if code:
            return finding(
                Status.FAIL, f"{host} resolves to {address}, which the portal does not probe", code, evidence
            )
    summary = f"{host} resolves to {', '.join(addresses)}"
    return finding(Status.PASS, summary, None, evidence, facts={"addresses": addresses})


def check_dns_mx(
    host: str,
    domain: str,
    *,
    cloud: Cloud,
    resolver: dns.resolver.Resolver,
    timeout: float,
) -> Finding:
    if not domain:
        finding = finding_builder("dns.mx")
        return finding(Status.FAIL, "No sender address, so no sender domain", "dns.no_sender_domain")
    computed = cloud.mx_endpoint(domain)
    finding = finding_builder("dns.mx", expected=computed, domain=domain)
    try:
        answer = resolver.resolve(domain, "MX", lifetime=timeout)
        records = sorted((r.preference, r.exchange.to_text(omit_final_dot=True).lower()) for r in answer)
    except dns.resolver.NoAnswer:
        records = []
    except dns.exception.DNSException as exc:
        code, words = dns_failure(exc)
        return finding(Status.FAIL, f"The MX record of {domain} {words}", code)
    exchanges = [name for _, name in records]
    microsoft = [n for n in exchanges if n.endswith(f".{cloud.mx_suffix}") or n.endswith(NEW_MX_SUFFIX)]
    evidence = f"MX {domain}: {', '.join(f'{p} {n}' for p, n in records) or 'none'}; classic endpoint {computed}"
    best = microsoft[0] if microsoft else computed
    finding = finding_builder("dns.mx", expected=best, domain=domain)
    configured = host.lower().rstrip(".")
    if not records and (parent := _parent_endpoint(domain, computed, cloud, resolver, timeout)):
        return _subdomain_finding(host, domain, computed, parent, evidence)
    if configured in (computed, *microsoft):
        return finding(Status.PASS, f"{host} is the MX endpoint of {domain}", None, evidence)
    if not records:
        return finding(
            Status.FAIL, f"{domain} has no MX record and {host} is not {computed}", "dns.mx_mismatch", evidence
        )
    summary = f"{host or 'The configured host'} is not the MX endpoint of {domain}; expected {best}"
    return finding(Status.FAIL, summary, "dns.mx_mismatch", evidence)


def _parent_endpoint(
    domain: str, computed: str, cloud: Cloud, resolver: dns.resolver.Resolver, timeout: float
) -> tuple[str, str] | None:
    """(accepted parent domain, its Microsoft MX host) when ``domain`` has no MX and its own computed
    endpoint does not exist: then the domain is no accepted domain, and the smart host is the tenant's
    MX endpoint of the parent. None when the computed endpoint exists or no parent has a Microsoft MX."""
    try:
        resolver.resolve(computed, "A", lifetime=timeout)
        return None  # Exchange publishes an endpoint for every accepted domain: this one is accepted
    except dns.exception.DNSException:
        pass
    labels = domain.split(".")
    for start in range(1, len(labels) - 1):
        parent = ".".join(labels[start:])
        try:
            answer = resolver.resolve(parent, "MX", lifetime=timeout)
        except dns.exception.DNSException:
            continue
        for record in sorted(answer, key=lambda r: r.preference):
            name = record.exchange.to_text(omit_final_dot=True).lower()
            if name.endswith(f".{cloud.mx_suffix}") or name.endswith(NEW_MX_SUFFIX):
                return parent, name
    return None


def _subdomain_finding(host: str, domain: str, computed: str, parent: tuple[str, str], evidence: str) -> Finding:
    accepted, endpoint = parent
    finding = finding_builder("dns.mx_subdomain", expected=endpoint, domain=domain, parent=accepted)
    evidence = f"{evidence}; {computed} does not exist; MX {accepted}: {endpoint}"
    if host.lower().rstrip(".") == endpoint:
        summary = f"{host} is the tenant's MX endpoint (of {accepted}); {domain} itself has no endpoint"
        return finding(Status.WARN, summary, "dns.mx_subdomain", evidence)
    summary = f"{domain} has no MX and no endpoint of its own; the smart host is {endpoint}, the MX of {accepted}"
    return finding(Status.FAIL, summary, "dns.mx_subdomain", evidence)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def finding_builder(key: str, **values: str) -> Callable[..., Finding]:
    """A Finding builder for one check whose explanation and remedy come from the catalogue."""

    def build(status: Status, summary: str, code: str | None, evidence: str = "", facts: dict | None = None) -> Finding:
        explanation, remedy = describe(code, **values) if code else ("", "")
        return Finding(key, status, summary, code, explanation, remedy, evidence, facts=facts or {})

    return build


# -- adapters for the runner ---------------------------------------------------------------------------
def _dns_host(ctx: RunContext) -> Finding:
    expect = ctx.expect("dns.host")
    return check_dns_host(
        expect.host,
        microsoft_endpoint=expect.microsoft_host,
        expected=expect.documented_host,
        resolver=ctx.resolver(),
        allow_loopback=ctx.env.allow_loopback,
        timeout=ctx.env.timeout,
    )


def _dns_mx(ctx: RunContext) -> Finding:
    host = ctx.expect("dns.mx").host
    domain = ctx.target.config.sender_domain
    return check_dns_mx(host, domain, cloud=ctx.target.cloud, resolver=ctx.resolver(), timeout=ctx.env.timeout)


CHECKS: dict[str, Callable[[RunContext], Finding]] = {"dns.host": _dns_host, "dns.mx": _dns_mx}
