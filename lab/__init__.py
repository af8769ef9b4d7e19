"""The lab: local stand-ins for Exchange Online SMTP, Entra ID and DNS, all on loopback.

    with Lab.start() as lab:                       # free ports (tests)
        env = lab.environment(timeout=1.0)         # an Environment pointing at the lab
        lab.directory.add_tenant(tid, "good.lab.test", service_principals={app_id})
        ...

    Lab.start(fixed_ports=True, directory=".data/lab").serve_forever()   # the demo (manage.py lab)

Fixed ports (``FIXED_PORTS``; the "lab" cloud in connectors/clouds.py points at 2587, 2525 and 8443):

    dns 5353 (UDP+TCP)   entra 8443 (HTTPS, https://login.microsoftonline.lab.test:8443, also localhost)
    submission 2587      smtp.office365.lab.test — STARTTLS, AUTH LOGIN XOAUTH2
    mx 2525              <domain-with-dashes>.mail.protection.lab.test — Direct Send, relay connectors
    implicit 2465        smtp.office365.lab.test — implicit TLS
    basic_only 2588      exchange-onprem.lab.test — AUTH LOGIN PLAIN, no XOAUTH2
    no_starttls 2526     relay-plain.lab.test — no STARTTLS
    tls10 2527           relay-tls10.lab.test — TLS 1.0 only
    expired 2528         relay-expired.lab.test — expired certificate
    wrong_name 2529      relay-wrongname.lab.test — certificate for another name
    untrusted 2530       relay-untrusted.lab.test — certificate from an untrusted CA
    no_intermediate 2534 relay-nochain.lab.test — certificate sent without its intermediate CA
    silent 2531          relay-silent.lab.test — accepts TCP, never greets
    flapping 2535        relay-flapping.lab.test — drops every other connection before greeting
    closed 2532          relay-closed.lab.test — connection refused
    filtered 2533        relay-filtered.lab.test — SYNs dropped: connect times out
    (any port)           relay-unreachable.lab.test → 127.255.255.255: network unreachable

Every name above resolves to 127.0.0.1 in the lab DNS (relay-unreachable excepted), which also
serves the standard zone of lab/dns.py (domains, SPF, DMARC, DNSBL zones).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from diagnostics.context import Environment

from .dns import LAB_DNSBL_ZONES, LabDns, load_standard_zone
from .entra import LabEntra
from .pki import LabPki
from .smtp import LISTENERS, UNREACHABLE_ADDRESS, UNREACHABLE_HOST, LabDirectory, LabSmtp

FIXED_PORTS: dict[str, int] = {"dns": 5353, "entra": 8443, **{item.name: item.fixed_port for item in LISTENERS}}


class Lab:
    """LabPki + LabDns + LabEntra + LabSmtp, started and stopped together."""

    def __init__(
        self,
        *,
        fixed_ports: bool = False,
        directory: str | Path | None = None,
        forward_dns_to: Sequence[tuple[str, int]] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.fixed_ports = fixed_ports
        self.host = host
        self.pki = LabPki(directory)
        self.dns = LabDns(host, FIXED_PORTS["dns"] if fixed_ports else 0, forward_to=forward_dns_to)
        self.entra = LabEntra(self.pki, host="localhost", port=FIXED_PORTS["entra"] if fixed_ports else 0)
        self.smtp = LabSmtp(self.pki, token_validator=self.entra.validate_token, host=host, fixed_ports=fixed_ports)
        self._started: list[Any] = []

    # -- lifecycle --------------------------------------------------------------------------
    @classmethod
    def start(cls, **kwargs: Any) -> Lab:
        """A started lab; use it as a context manager to stop it."""
        return cls(**kwargs).open()

    def open(self) -> Lab:
        try:
            for part in (self.dns, self.entra, self.smtp):
                part.start()
                self._started.append(part)
            self._load_zone()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        while self._started:
            self._started.pop().stop()
        self.pki.close()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def serve_forever(self, stop: threading.Event | None = None, ready: Callable[[], None] | None = None) -> None:
        """Block until ``stop`` is set, SIGTERM or Ctrl-C; then stop the lab (the demo's process).

        ``ready`` is called once SIGTERM is handled: whoever it tells may stop the lab from then on."""
        stop = stop or threading.Event()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        if ready is not None:
            ready()
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    # -- what clients need ------------------------------------------------------------------
    @property
    def directory(self) -> LabDirectory:
        """Exchange Online's view of tenants and mailboxes (the SMTP stand-in's)."""
        return self.smtp.directory

    @property
    def ports(self) -> dict[str, int]:
        return {"dns": self.dns.port, "entra": self.entra.port, **self.smtp.ports}

    def port(self, name: str) -> int:
        return self.ports[name]

    def environment(self, *, timeout: float = 5.0, worker: str = "lab-worker", **overrides: Any) -> Environment:
        """An Environment that points every check at the lab (its DNS, CA, Entra; loopback allowed)."""
        values: dict[str, Any] = {
            "nameservers": self.dns.nameservers,
            "extra_ca_bundle": str(self.pki.ca_pem_path),
            "login_base": self.entra.lab_url,  # by the lab's name: resolved through the lab DNS, as in the demo
            "allow_loopback": True,
            "dnsbl_zones": LAB_DNSBL_ZONES,
            "timeout": timeout,
            "worker": worker,
        }
        return Environment(**{**values, **overrides})

    def describe(self) -> str:
        """The port table, for ``manage.py lab`` to print."""
        rows = [
            f"dns        {self.dns.port:>5}  {self.host} (UDP+TCP)",
            f"entra      {self.entra.port:>5}  {self.entra.lab_url} (also {self.entra.base_url})",
        ]
        rows += [f"{item.name:<10} {self.smtp.port(item.name):>5}  {item.host} — {item.what}" for item in LISTENERS]
        rows.append(f"{'unreachable':<10}   any  {UNREACHABLE_HOST} → {UNREACHABLE_ADDRESS}")
        return "\n".join(rows)

    def _load_zone(self) -> None:
        records = self.dns.records
        load_standard_zone(records, address=self.host)
        for item in LISTENERS:
            if not item.host.startswith("<") and item.host != "smtp.office365.lab.test":
                records.add(item.host, "A", self.host)  # smtp.office365.lab.test is in the standard zone
        records.add(UNREACHABLE_HOST, "A", UNREACHABLE_ADDRESS)


__all__ = ["FIXED_PORTS", "Lab"]
