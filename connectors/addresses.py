"""Shape checks for the values a mail setup holds: addresses, GUIDs, host names and egress IPs.

Pure text checks, no DNS: whether a domain exists is the diagnostics' job.
"""

from __future__ import annotations

import ipaddress
import re

# Matched whole (fullmatch): with ``$`` a label "mail\n" would pass, line break and all.
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
# Deliberately plain: one @, a local part without spaces, a domain with a dot. RFC 5322's full
# grammar accepts things Exchange Online and SAPconnect refuse anyway.
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")

# Networks that are not private in the RFC 1918 sense but still never reach Exchange Online as
# the source of a connection from a customer: shared address space (carrier-grade NAT), benchmark
# and reserved ranges. ``ipaddress`` flags most of them as private already; listed for the reason.
_REASONS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (ipaddress.ip_network("10.0.0.0/8"), "a private address (RFC 1918, 10.0.0.0/8)"),
    (ipaddress.ip_network("172.16.0.0/12"), "a private address (RFC 1918, 172.16.0.0/12)"),
    (ipaddress.ip_network("192.168.0.0/16"), "a private address (RFC 1918, 192.168.0.0/16)"),
    (ipaddress.ip_network("100.64.0.0/10"), "carrier-grade NAT shared space (RFC 6598, 100.64.0.0/10)"),
    (ipaddress.ip_network("127.0.0.0/8"), "a loopback address"),
    (ipaddress.ip_network("169.254.0.0/16"), "a link-local address"),
    (ipaddress.ip_network("0.0.0.0/8"), "the 'this network' range"),
    (ipaddress.ip_network("198.18.0.0/15"), "the benchmarking range (RFC 2544)"),
    (ipaddress.ip_network("224.0.0.0/4"), "a multicast address"),
    (ipaddress.ip_network("240.0.0.0/4"), "a reserved address"),
    (ipaddress.ip_network("::1/128"), "the IPv6 loopback address"),
    (ipaddress.ip_network("::/128"), "the unspecified IPv6 address"),
    (ipaddress.ip_network("fc00::/7"), "an IPv6 unique local address (fc00::/7)"),
    (ipaddress.ip_network("fe80::/10"), "an IPv6 link-local address"),
    (ipaddress.ip_network("ff00::/8"), "an IPv6 multicast address"),
)
# Documentation ranges: not routable, but the portal's demo data and examples use them.
_DOCUMENTATION = tuple(
    ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Only ASCII white space is trimmed: str.strip() would also take U+0085 or U+3000 off a value.
_SPACE = " \t\r\n\f\v"


def is_guid(text: str) -> bool:
    return bool(_GUID.fullmatch(text.strip(_SPACE)))


def is_ip_literal(host: str) -> bool:
    """True for ``192.0.2.1``, ``2001:db8::1`` and ``[2001:db8::1]`` — never for a host name."""
    candidate = host.strip(_SPACE).removeprefix("[").removesuffix("]")
    if "%" in candidate:  # a zone index (fe80::1%eth0) names an interface of this host, not the target's
        return False
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def is_host_name(text: str) -> bool:
    """A DNS host name: dot-separated labels of letters, digits and inner hyphens."""
    name = text.strip(_SPACE).rstrip(".")
    if not name or len(name) > 253 or is_ip_literal(name):
        return False
    return all(_LABEL.fullmatch(label) for label in name.split("."))


def is_domain_name(text: str) -> bool:
    """A host name with at least two labels and a non-numeric top-level label."""
    name = text.strip(_SPACE).rstrip(".")
    return is_host_name(name) and "." in name and not name.rsplit(".", 1)[1].isdigit()


def is_email(address: str) -> bool:
    local, at, domain = address.strip(_SPACE).rpartition("@")
    return bool(at and _EMAIL_LOCAL.fullmatch(local) and ".." not in local and is_domain_name(domain))


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower() if "@" in address else ""


def tenant_problem(tenant: str) -> str | None:
    """Why a tenant value can't work, or None. Entra ID takes a GUID or a verified domain."""
    value = tenant.strip()
    if is_guid(value) or is_domain_name(value):
        return None
    return (
        f"'{value}' is neither a tenant ID (GUID) nor a domain name: Entra ID would answer "
        "AADSTS900023. Use the Directory (tenant) ID from the Entra admin center or a verified "
        "domain such as contoso.onmicrosoft.com."
    )


def parse_egress(text: str) -> IpNetwork:
    """An egress address or range (``203.0.113.7`` or ``203.0.113.0/28``) as a network."""
    if "%" in text:  # ipaddress takes IPv6 zone indexes (2001:db8::1%eth0); no public address has one
        raise ValueError(f"{text!r} has a zone index")
    return ipaddress.ip_network(text.strip(), strict=False)


def egress_ip_problem(text: str, *, allow_loopback: bool = False) -> str | None:
    """Why ``text`` can't be a public egress address Exchange Online sees, or None if it can.

    ``allow_loopback`` is for the lab cloud, whose stand-in servers see connections from 127.0.0.1.
    """
    try:
        network = parse_egress(text)
    except ValueError:
        return f"'{text}' is not an IP address or range"
    if allow_loopback and any(_contains(net, network) for net in _LOOPBACK):
        return None
    if any(_contains(net, network) for net in _DOCUMENTATION):
        return None
    for net, reason in _REASONS:
        if _overlaps(net, network):
            return (
                f"{text} is {reason}: Exchange Online only ever sees the public address your "
                "traffic leaves from (the firewall's or NAT gateway's static public IP). Enter "
                "that address; the portal shows it as egress.ip after a diagnosis."
            )
    if network.is_private or network.is_reserved or network.is_multicast:
        return f"{text} is not a public internet address; enter the static public IP your mail leaves from."
    return None


def is_documentation_range(text: str) -> bool:
    try:
        network = parse_egress(text)
    except ValueError:
        return False
    return any(_contains(net, network) for net in _DOCUMENTATION)


def _contains(outer: IpNetwork, inner: IpNetwork) -> bool:
    return outer.version == inner.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def _overlaps(a: IpNetwork, b: IpNetwork) -> bool:
    return a.version == b.version and a.overlaps(b)  # type: ignore[arg-type]
