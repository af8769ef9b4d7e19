"""What a diagnosis runs against (Target), where it runs (Environment) and what its checks share (RunContext).

Checks never read Django settings: the runner builds an Environment from them and passes it in.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dns.resolver

from connectors.clouds import Cloud, cloud_for
from connectors.config import MailConfig
from connectors.plan import Expectations, PlannedCheck
from connectors.retirement import DEFAULT_MILESTONES, Milestone

from .findings import Finding
from .https_session import shared_trust_context

logger = logging.getLogger(__name__)

DEFAULT_DNSBL_ZONES = ("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Environment:
    """Where and how a diagnosis runs; built from settings by the runner, or by tests directly."""

    nameservers: tuple[tuple[str, int], ...] = ()  # empty: the system resolver's configuration
    extra_ca_bundle: str | None = None  # PEM file trusted in addition to the system store
    login_base: str | None = None  # replaces the cloud's login host, e.g. "https://localhost:8443"
    allow_loopback: bool = False
    allowed_ports: frozenset[int] = frozenset({25, 465, 587, 2525})
    https_proxy: str | None = None
    dnsbl_zones: tuple[str, ...] = DEFAULT_DNSBL_ZONES
    milestones: tuple[Milestone, ...] = DEFAULT_MILESTONES
    timeout: float = 10.0  # seconds, for each single network operation
    worker: str = ""  # host name of the process running the checks
    zone: str = ""  # network zone (queue) the checks run in
    now: Callable[[], datetime] = _utcnow


@dataclass(frozen=True)
class Target:
    """One system's mail setup plus the secrets needed to test it (never printed: repr=False)."""

    config: MailConfig
    secret: str | None = field(default=None, repr=False)
    private_key_pem: str | None = field(default=None, repr=False)
    certificate_pem: str | None = None
    send_to: str | None = None
    subject: str | None = None

    @property
    def cloud(self) -> Cloud:
        return cloud_for(self.config.cloud)

    @property
    def recipient(self) -> str:
        """Who the envelope probe (and a test send) addresses."""
        return self.send_to or self.config.test_recipient or self.config.sender or self.config.mailbox


def make_resolver(nameservers: Sequence[tuple[str, int]] | None, timeout: float) -> dns.resolver.Resolver:
    """A resolver asking ``nameservers`` ((address, port) pairs; the system's when empty), with no cache and
    every query bounded by ``timeout`` seconds."""
    if nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host for host, _ in nameservers]
        ports = {port for _, port in nameservers}
        if len(ports) == 1:
            resolver.port = ports.pop()
        else:
            resolver.nameserver_ports = dict(nameservers)
    else:
        resolver = dns.resolver.Resolver()
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


class RunContext:
    """Shared state of one diagnosis: what each check must expect, finished findings, lazily built
    resources, cancellation.

    Checks of the SMTP chain share one connection through ``shared`` (key "smtp"): a run holds
    one SMTP connection per mailbox, as Exchange Online allows only three and SAP needs them.
    """

    def __init__(self, target: Target, env: Environment) -> None:
        self.target = target
        self.env = env
        self.cancelled = threading.Event()
        self.shared: dict[str, Any] = {}
        self._expected: dict[str, Expectations] = {}
        self._findings: dict[str, Finding] = {}
        self._closers: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # -- what the plan says each check must expect -------------------------------------------
    def use_plan(self, plan: Iterable[PlannedCheck]) -> None:
        """Take each planned check's expectations (the engine does this before the first check)."""
        self._expected = {item.key: item.expect for item in plan}

    def expect(self, key: str) -> Expectations:
        """What check ``key`` must expect of the route; Exchange Online's strict defaults outside a plan."""
        return self._expected.get(key) or Expectations()

    # -- findings of earlier checks -------------------------------------------------------
    def record(self, finding: Finding) -> None:
        with self._lock:
            self._findings[finding.key] = finding

    def finding(self, key: str) -> Finding | None:
        with self._lock:
            return self._findings.get(key)

    def facts(self, key: str) -> dict[str, Any]:
        found = self.finding(key)
        return dict(found.facts) if found else {}

    # -- resources --------------------------------------------------------------------------
    def resolver(self) -> dns.resolver.Resolver:
        """A resolver using PORTAL_DNS_NAMESERVERS when set; every query is bounded by the timeout."""
        return make_resolver(self.env.nameservers, self.env.timeout)

    def ssl_context(self) -> ssl.SSLContext:
        """Verifying client context: system store plus PORTAL_EXTRA_CA_BUNDLE, loaded once per process and
        shared by every run (see https_session.shared_trust_context): use it as it is, never change it."""
        return shared_trust_context(self.env.extra_ca_bundle)

    def on_close(self, closer: Callable[[], None]) -> None:
        with self._lock:
            self._closers.append(closer)

    def close(self) -> None:
        with self._lock:
            closers, self._closers = self._closers, []
        for closer in reversed(closers):
            try:
                closer()
            except Exception:  # noqa: BLE001 - closing must never mask the diagnosis
                logger.debug("closing a diagnostic resource failed", exc_info=True)
