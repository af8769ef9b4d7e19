"""The lab's DNS server: an authoritative stand-in (dnslib) for the names a diagnosis resolves.

Tests fill ``records`` with exactly what a case needs; ``load_standard_zone`` loads the zone the
demo and the composed ``Lab`` use. Unknown names are forwarded only when ``forward_to`` is set
(the demo, so a real system added to it still resolves) — never in tests.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dnslib import AAAA, CNAME, MX, NS, PTR, QTYPE, RCODE, RR, SOA, SRV, TXT, A, DNSRecord
from dnslib.server import DNSHandler

DEFAULT_SOA = "ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 60"


def _absolute(name: str) -> str:
    name = name.strip().lower()
    return name if name.endswith(".") else f"{name}."


def _txt_chunks(value: str | Sequence[str]) -> list[bytes]:
    """A TXT value as character-strings of at most 255 bytes (long SPF records are split)."""
    if not isinstance(value, str):
        return [part.encode() for part in value]
    data = value.encode()
    return [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]


def _rdata(rtype: str, value: str | Sequence[str]):  # noqa: ANN202 - dnslib has no common type
    if rtype == "TXT":
        return TXT(_txt_chunks(value))
    assert isinstance(value, str), f"{rtype} takes one string value"
    if rtype == "A":
        return A(value)
    if rtype == "AAAA":
        return AAAA(value)
    if rtype == "MX":
        preference, _, exchange = value.partition(" ")
        return MX(_absolute(exchange), int(preference))
    if rtype in ("CNAME", "NS", "PTR"):
        return {"CNAME": CNAME, "NS": NS, "PTR": PTR}[rtype](_absolute(value))
    if rtype == "SOA":
        mname, rname, *times = value.split()
        return SOA(_absolute(mname), _absolute(rname), [int(t) for t in times])
    if rtype == "SRV":
        priority, weight, port, target = value.split()
        return SRV(int(priority), int(weight), int(port), _absolute(target))
    raise ValueError(f"the lab DNS does not serve {rtype} records")


@dataclass(frozen=True)
class _Record:
    rtype: str
    rdata: object
    ttl: int


class LabRecords:
    """Thread-safe record store; names are case-insensitive, with or without the final dot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, list[_Record]] = {}
        self._silenced: set[str] = set()

    def add(self, name: str, rtype: str, value: str | Sequence[str], ttl: int = 60) -> None:
        rtype = rtype.upper()
        record = _Record(rtype, _rdata(rtype, value), ttl)
        with self._lock:
            self._records.setdefault(_absolute(name), []).append(record)

    def remove(self, name: str, rtype: str | None = None) -> None:
        with self._lock:
            kept = [r for r in self._records.pop(_absolute(name), []) if rtype and r.rtype != rtype.upper()]
            if kept:
                self._records[_absolute(name)] = kept

    def replace(self, name: str, rtype: str, *values: str | Sequence[str], ttl: int = 60) -> None:
        self.remove(name, rtype)
        for value in values:
            self.add(name, rtype, value, ttl)

    def silence(self, name: str) -> None:
        """The server never answers for this name or below it: the client times out."""
        with self._lock:
            self._silenced.add(_absolute(name))

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._silenced.clear()

    def snapshot(self) -> tuple[dict[str, list[_Record]], set[str]]:
        """Everything served now, for ``restore``: a test may change records and leave none changed."""
        with self._lock:
            return {name: list(records) for name, records in self._records.items()}, set(self._silenced)

    def restore(self, snapshot: tuple[dict[str, list[_Record]], set[str]]) -> None:
        records, silenced = snapshot
        with self._lock:
            self._records = {name: list(entries) for name, entries in records.items()}
            self._silenced = set(silenced)

    # -- lookups (used by the resolver) ---------------------------------------------------------
    def is_silenced(self, name: str) -> bool:
        with self._lock:
            return any(name == s or name.endswith(f".{s}") for s in self._silenced)

    def at(self, name: str) -> list[_Record] | None:
        """Records at a name; [] for a name that exists without records; None when it doesn't exist."""
        with self._lock:
            if name in self._records:
                return list(self._records[name])
            if any(other.endswith(f".{name}") for other in self._records):
                return []  # an empty non-terminal exists (RFC 8020): NOERROR, not NXDOMAIN
            for parent in _ancestors(name):
                wildcard = self._records.get(f"*.{parent}")
                if wildcard is not None:
                    return list(wildcard)
            return None

    def soa_for(self, name: str) -> tuple[str, _Record] | None:
        with self._lock:
            for zone in (name, *_ancestors(name)):
                for record in self._records.get(zone, []):
                    if record.rtype == "SOA":
                        return zone, record
        return None


def _ancestors(name: str) -> list[str]:
    labels = name.rstrip(".").split(".")
    return [".".join(labels[i:]) + "." for i in range(1, len(labels))]


class LabResolver:
    """Answers like an authoritative server, unlike dnslib's ZoneResolver.

    ZoneResolver answers NXDOMAIN for an existing name without the asked type; resolvers (and
    SPF/DMARC libraries) treat that as "the domain does not exist". Here such a name gets an
    empty NOERROR answer with the zone's SOA, CNAMEs are followed and wildcards expand.
    """

    def __init__(self, records: LabRecords, forward_to: Sequence[tuple[str, int]] | None, timeout: float) -> None:
        self.records = records
        self.forward_to = list(forward_to or [])
        self.timeout = timeout

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord | None:
        qname = _absolute(str(request.q.qname))
        qtype = QTYPE[request.q.qtype]
        if self.records.is_silenced(qname):
            return None
        if self.forward_to and not self._is_local(qname):
            return self._forward(request, tcp=getattr(handler, "protocol", "udp") == "tcp")
        reply = request.reply()
        name = qname
        for _ in range(8):  # CNAME chain limit
            found = self.records.at(name)
            if found is None:
                reply.header.rcode = RCODE.NXDOMAIN if not reply.rr else RCODE.NOERROR
                break
            aliases = [r for r in found if r.rtype == "CNAME"]
            if aliases and qtype != "CNAME":
                reply.add_answer(RR(name, QTYPE.CNAME, rdata=aliases[0].rdata, ttl=aliases[0].ttl))
                name = _absolute(str(aliases[0].rdata.label))
                continue
            for record in found:
                if qtype in ("ANY", record.rtype):
                    reply.add_answer(RR(name, getattr(QTYPE, record.rtype), rdata=record.rdata, ttl=record.ttl))
            break
        if not reply.rr:
            self._add_soa(reply, name)
        return reply

    def _is_local(self, name: str) -> bool:
        return self.records.at(name) is not None or self.records.soa_for(name) is not None

    def _add_soa(self, reply: DNSRecord, name: str) -> None:
        zone_soa = self.records.soa_for(name)
        zone, rdata, ttl = ("lab.test.", _rdata("SOA", DEFAULT_SOA), 60)
        if zone_soa:
            zone, rdata, ttl = zone_soa[0], zone_soa[1].rdata, zone_soa[1].ttl
        reply.add_auth(RR(zone, QTYPE.SOA, rdata=rdata, ttl=ttl))

    def _forward(self, request: DNSRecord, *, tcp: bool) -> DNSRecord:
        # Same transport as the client: a truncated UDP answer makes it retry over TCP, and so do we.
        for host, port in self.forward_to:
            try:
                return DNSRecord.parse(request.send(host, port, tcp=tcp, timeout=self.timeout))
            except (OSError, ValueError):
                continue
        reply = request.reply()
        reply.header.rcode = RCODE.SERVFAIL
        return reply


class _Silence(Exception):
    """The resolver chose not to answer (a name configured to time out)."""


class _Handler(DNSHandler):
    def get_reply(self, data: bytes) -> bytes:
        request = DNSRecord.parse(data)
        reply = self.server.resolver.resolve(request, self)
        if reply is None:
            raise _Silence
        return reply.pack()

    def handle(self) -> None:
        try:
            super().handle()
        except _Silence:
            pass


class _QuietLogger:
    """dnslib's DNSLogger prints every packet; the lab stays silent."""

    def __getattr__(self, name: str):  # noqa: ANN204
        return lambda *args, **kwargs: None


class _UDPServer(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True
    allow_reuse_address = False  # on Linux SO_REUSEADDR lets two UDP servers share a port


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class LabDns:
    """UDP and TCP on the same loopback port. ``port=0`` picks a free one."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        forward_to: Sequence[tuple[str, int]] | None = None,
        *,
        forward_timeout: float = 3.0,
    ) -> None:
        self.host = host
        self.records = LabRecords()
        self.resolver = LabResolver(self.records, forward_to, forward_timeout)
        self._requested_port = port
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        if not self._servers:
            raise RuntimeError("LabDns is not started")
        return self._servers[0].server_address[1]

    @property
    def nameservers(self) -> tuple[tuple[str, int], ...]:
        """For ``Environment(nameservers=...)`` and PORTAL_DNS_NAMESERVERS."""
        return ((self.host, self.port),)

    def start(self) -> LabDns:
        self._servers = self._bind()
        for server in self._servers:
            server.resolver = self.resolver  # type: ignore[attr-defined]
            server.logger = _QuietLogger()  # type: ignore[attr-defined]
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"lab-dns-{self.port}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def _bind(self) -> list[socketserver.BaseServer]:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        for _ in range(20):  # a free UDP port may be taken for TCP: try another
            udp_cls = type("UDP", (_UDPServer,), {"address_family": family})
            tcp_cls = type("TCP", (_TCPServer,), {"address_family": family})
            udp = udp_cls((self.host, self._requested_port), _Handler)
            try:
                return [udp, tcp_cls((self.host, udp.server_address[1]), _Handler)]
            except OSError:
                udp.server_close()
                if self._requested_port:
                    raise
        raise OSError("no free port for the lab DNS")

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> LabDns:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- the standard zone ----------------------------------------------------------------------------
LAB_ZONE = "lab.test"
LAB_SMTP_HOST = "smtp.office365.lab.test"
LAB_LOGIN_HOST = "login.microsoftonline.lab.test"  # the Entra stand-in; only the lab DNS knows the name
LAB_MX_SUFFIX = "mail.protection.lab.test"  # = connectors.clouds.CLOUDS["lab"].mx_suffix
LAB_EGRESS_IP = "203.0.113.10"  # the lab's "static public IP": authorised in good SPF, not listed
LAB_LISTED_IP = "203.0.113.66"  # listed in zen.dnsbl.lab.test
LAB_UNKNOWN_IP = "198.51.100.7"  # neither authorised nor listed
LAB_DNSBL_ZONES = ("zen.dnsbl.lab.test", "bl.dnsbl.lab.test", "b.dnsbl.lab.test")
LAB_REFUSING_DNSBL_ZONE = "refused.dnsbl.lab.test"  # answers 127.255.255.254 to every query
LAB_TIMEOUT_NAME = "timeout.lab.test"  # the server never answers for it (or below it)
MICROSOFT_SPF_INCLUDE = "spf.protection.outlook.com"
# Microsoft's published ranges (abridged): the lab answers for this name so SPF includes resolve.
MICROSOFT_SPF_RECORD = (
    "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 "
    "ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 -all"
)
_AUTHORISED = f"ip4:{LAB_EGRESS_IP}"  # the lab SMTP server reports this as the IP it sees (NAT)
_GOOD_DMARC = "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{domain}"


@dataclass(frozen=True)
class LabDomain:
    domain: str
    spf: tuple[str, ...]  # TXT records starting with v=spf1 (0, 1 or 2 of them)
    dmarc: str | None
    mx: str = ""  # "" = the classic <domain-with-dashes>.mail.protection.lab.test
    what: str = ""
    dkim: str = "classic"  # Exchange Online's DKIM selector CNAMEs: "classic", "current" (2025 form) or ""


LAB_DOMAINS: tuple[LabDomain, ...] = (
    LabDomain(
        "good.lab.test",
        (f"v=spf1 {_AUTHORISED} include:{MICROSOFT_SPF_INCLUDE} -all",),
        _GOOD_DMARC,
        what="everything right",
    ),
    LabDomain(
        "newmx.lab.test",
        (f"v=spf1 {_AUTHORISED} include:{MICROSOFT_SPF_INCLUDE} -all",),
        _GOOD_DMARC,
        mx="newmx-lab-test.b-v1.mx.microsoft",
        what="a new tenant's *.mx.microsoft MX record and DKIM selectors of the 2025 form",
        dkim="current",
    ),
    LabDomain(
        "no-dkim.lab.test",
        (f"v=spf1 {_AUTHORISED} include:{MICROSOFT_SPF_INCLUDE} -all",),
        _GOOD_DMARC,
        what="no DKIM selectors: Exchange Online signs with the onmicrosoft.com domain",
        dkim="",
    ),
    LabDomain(
        "spf-missing-ip.lab.test",
        (f"v=spf1 include:{MICROSOFT_SPF_INCLUDE} -all",),
        _GOOD_DMARC,
        what="SPF without the egress IP",
    ),
    LabDomain(
        "spf-missing-include.lab.test",
        (f"v=spf1 {_AUTHORISED} -all",),
        _GOOD_DMARC,
        what="SPF without include:spf.protection.outlook.com",
    ),
    LabDomain(
        "spf-too-many.lab.test",
        (
            f"v=spf1 {_AUTHORISED} include:{MICROSOFT_SPF_INCLUDE} "
            + " ".join(f"include:s{i}.spf-chain.lab.test" for i in range(1, 11))
            + " -all",
        ),
        _GOOD_DMARC,
        what="SPF needing 11 DNS lookups",
    ),
    LabDomain(
        "spf-two.lab.test",
        (f"v=spf1 {_AUTHORISED} -all", f"v=spf1 include:{MICROSOFT_SPF_INCLUDE} -all"),
        _GOOD_DMARC,
        what="two SPF records",
    ),
    LabDomain("spf-none.lab.test", (), _GOOD_DMARC, what="no SPF record"),
    LabDomain(
        "no-dmarc.lab.test",
        (f"v=spf1 {_AUTHORISED} include:{MICROSOFT_SPF_INCLUDE} -all",),
        None,
        what="no DMARC record",
    ),
    LabDomain(
        "dmarc-none.lab.test",
        (f"v=spf1 {_AUTHORISED} include:{MICROSOFT_SPF_INCLUDE} -all",),
        "v=DMARC1; p=none",
        what="DMARC monitoring only (p=none)",
    ),
)


def add_dkim(records: LabRecords, domain: str, *, tenant: str, form: str = "classic") -> None:
    """Exchange Online's two DKIM selector CNAMEs for ``domain`` and the keys they point at.

    Classic: selector1-<domain-dashes>._domainkey.<tenant>.onmicrosoft.com; the 2025 form:
    selector1-<domain-dashes>._domainkey.<tenant>.<partition>-v1.dkim.mail.microsoft (Microsoft Learn,
    "Set up DKIM to sign mail from your Microsoft 365 domain")."""
    dashes = domain.replace(".", "-")
    where = f"{tenant}.onmicrosoft.com" if form == "classic" else f"{tenant}.n-v1.dkim.mail.microsoft"
    for selector in ("selector1", "selector2"):
        target = f"{selector}-{dashes}._domainkey.{where}"
        records.add(f"{selector}._domainkey.{domain}", "CNAME", target)
        records.add(target, "TXT", "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlabkey")


def lab_mx_endpoint(domain: str) -> str:
    return f"{domain.replace('.', '-')}.{LAB_MX_SUFFIX}"


def reverse_ip(ip: str) -> str:
    """The DNSBL query label of an address: 203.0.113.66 -> 66.113.0.203."""
    return ipaddress.ip_address(ip).reverse_pointer.rsplit(".", 2)[0]


def load_standard_zone(records: LabRecords, *, address: str = "127.0.0.1") -> None:
    """The demo's and the composed Lab's zone; every Microsoft-like endpoint points at ``address``."""
    records.add(LAB_ZONE, "SOA", DEFAULT_SOA)
    records.add(LAB_ZONE, "NS", "ns.lab.test")
    records.add("ns.lab.test", "A", address)
    records.add(LAB_SMTP_HOST, "A", address)
    records.add(LAB_LOGIN_HOST, "A", address)
    records.add(MICROSOFT_SPF_INCLUDE, "TXT", MICROSOFT_SPF_RECORD)
    for i in range(1, 11):
        records.add(f"s{i}.spf-chain.lab.test", "TXT", f"v=spf1 ip4:192.0.2.{i} -all")
    for entry in LAB_DOMAINS:
        _add_domain(records, entry, address)
    _add_dnsbl_zones(records)
    records.silence(LAB_TIMEOUT_NAME)


def _add_domain(records: LabRecords, entry: LabDomain, address: str) -> None:
    mx = entry.mx or lab_mx_endpoint(entry.domain)
    records.add(entry.domain, "MX", f"0 {mx}")
    records.add(mx, "A", address)
    if entry.mx:  # the classic endpoint keeps working for new tenants too
        records.add(lab_mx_endpoint(entry.domain), "A", address)
    for spf in entry.spf:
        records.add(entry.domain, "TXT", spf)
    records.add(entry.domain, "TXT", f"lab-domain-verification={entry.domain}")  # unrelated TXT, as in life
    if entry.dmarc:
        records.add(f"_dmarc.{entry.domain}", "TXT", entry.dmarc.format(domain=entry.domain))
    if entry.dkim:
        add_dkim(records, entry.domain, tenant=entry.domain.split(".", 1)[0].replace("-", ""), form=entry.dkim)


def _add_dnsbl_zones(records: LabRecords) -> None:
    for zone in (*LAB_DNSBL_ZONES, LAB_REFUSING_DNSBL_ZONE):
        records.add(zone, "SOA", f"ns.lab.test. hostmaster.{zone}. 1 3600 600 86400 60")
    listed = f"{reverse_ip(LAB_LISTED_IP)}.{LAB_DNSBL_ZONES[0]}"
    records.add(listed, "A", "127.0.0.2")
    records.add(listed, "TXT", f"Listed by the lab SBL, see https://check.spamhaus.org/query/ip/{LAB_LISTED_IP}")
    # Spamhaus answers 127.255.255.254 to queries that come through public resolvers.
    records.add(f"*.{LAB_REFUSING_DNSBL_ZONE}", "A", "127.255.255.254")


def add_listing(records: LabRecords, ip: str, zone: str, code: str = "127.0.0.2") -> None:
    """List an address in a lab DNSBL zone."""
    records.add(f"{reverse_ip(ip)}.{zone}", "A", code)


def iter_lab_domains() -> Iterable[str]:
    return (entry.domain for entry in LAB_DOMAINS)
