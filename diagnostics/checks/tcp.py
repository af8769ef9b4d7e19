"""tcp.connect: can this worker open TCP to the SMTP host — and if not, refused, filtered or unreachable?

It opens the run's one SMTP connection (``ctx.shared["smtp"]``) that the later checks step through.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import time

import dns.exception

from ..catalogue import finding
from ..context import RunContext
from ..findings import Finding, Status
from ..smtp_session import SmtpSession
from .dns import resolve_addresses, unmapped

SESSION = "smtp"  # key of the shared SmtpSession in RunContext.shared
MAX_ADDRESSES = 3  # a host with many addresses: try a few, not all (each may cost a full timeout)
_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}


def refusal(
    address: str, *, port: int, allow_loopback: bool, allowed_ports: frozenset[int], private_ok: bool
) -> str | None:
    """The catalogue code for why the portal won't connect there, or None.

    Loopback is only for the lab; link-local (cloud metadata!) and multicast never; a private
    address is fine for an internal relay but never for an Exchange Online endpoint.
    """
    ip = unmapped(address)
    if ip.is_loopback and allow_loopback:
        return None  # the lab uses free ports: the port rule does not apply
    if ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast:
        return "tcp.address_refused"
    if ip.is_private and not private_ok:
        return "tcp.private_address"
    if port not in allowed_ports:
        return "tcp.port_not_allowed"
    return None


def _classify(exc: OSError) -> str:
    if isinstance(exc, TimeoutError):
        return "tcp.timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "tcp.refused"
    if exc.errno in _UNREACHABLE:
        return "tcp.unreachable"
    return "tcp.error"


_WORDS = {
    "tcp.refused": "refused",
    "tcp.timeout": "no answer (filtered)",
    "tcp.unreachable": "network unreachable",
    "tcp.error": "failed",
}


def check_tcp_connect(
    session: SmtpSession,
    *,
    addresses: list[str],
    allow_loopback: bool,
    allowed_ports: frozenset[int],
    private_ok: bool,
) -> Finding:
    """Connect ``session`` to the first address that answers; a failure names refused/filtered/unreachable."""
    where = f"{session.host}:{session.port}"
    for address in addresses:
        code = refusal(
            address,
            port=session.port,
            allow_loopback=allow_loopback,
            allowed_ports=allowed_ports,
            private_ok=private_ok,
        )
        if code:
            summary = f"Not connecting to {where} ({address}): {'port' if code.endswith('port_not_allowed') else 'address'} not allowed"
            return finding("tcp.connect", code, summary=summary, evidence=f"{session.host} → {', '.join(addresses)}")
    tried: list[str] = []
    first_code = ""
    for address in addresses[:MAX_ADDRESSES]:
        started = time.monotonic()
        try:
            elapsed = session.connect(address)
        except OSError as exc:
            waited = (time.monotonic() - started) * 1000
            code = _classify(exc)
            first_code = first_code or code
            tried.append(f"{address}:{session.port} {_WORDS[code]} after {waited:.1f} ms ({exc.strerror or exc})")
            continue
        tried.append(f"{address}:{session.port} connected in {elapsed * 1000:.1f} ms")
        facts = {"address": address, "port": session.port, "connect_ms": round(elapsed * 1000, 1)}
        summary = f"Connected to {where} ({address}) in {elapsed * 1000:.0f} ms"
        return Finding("tcp.connect", Status.PASS, summary, evidence="\n".join(tried), facts=facts)
    summary = f"{where}: {tried[0].split(' ', 1)[1]}" if len(tried) == 1 else f"{where}: no address answered"
    return finding("tcp.connect", first_code, summary=summary, evidence="\n".join(tried))


# -- adapter ----------------------------------------------------------------------------------
def _addresses(ctx: RunContext, host: str) -> list[str] | Finding:
    """dns.host's answer when it ran; otherwise resolve here through the run's resolver."""
    known = ctx.facts("dns.host").get("addresses")
    if known:
        return list(known)
    try:
        ipaddress.ip_address(host.strip("[]"))
        return [host.strip("[]")]
    except ValueError:
        pass
    try:
        addresses, _ = resolve_addresses(host, ctx.resolver(), ctx.env.timeout)
    except dns.exception.DNSException as exc:
        return finding("tcp.connect", "tcp.no_address", summary=f"{host} does not resolve ({type(exc).__name__})")
    return addresses


def _run_tcp_connect(ctx: RunContext) -> Finding:
    if ctx.cancelled.is_set():
        return Finding("tcp.connect", Status.SKIPPED, "Skipped: the run was cancelled.")
    expect = ctx.expect("tcp.connect")
    host, port = expect.host, expect.port
    if not host:
        return finding("tcp.connect", "smtp.no_host", summary="No SMTP host to connect to")
    addresses = _addresses(ctx, host)
    if isinstance(addresses, Finding):
        return addresses
    local_hostname = ctx.env.worker or socket.gethostname()
    session = SmtpSession(host, port, timeout=ctx.env.timeout, local_hostname=local_hostname, cancelled=ctx.cancelled)
    ctx.shared[SESSION] = session
    ctx.on_close(session.close)
    return check_tcp_connect(
        session,
        addresses=addresses,
        allow_loopback=ctx.env.allow_loopback,
        allowed_ports=ctx.env.allowed_ports,
        private_ok=expect.private_host_ok,
    )


CHECKS = {"tcp.connect": _run_tcp_connect}
