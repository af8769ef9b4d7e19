"""What a diagnosis runs against (Target), where it runs (Environment) and what its checks share (RunContext).

Checks never read Django settings: the runner builds an Environment from them and passes it in.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
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
    # Seconds for which DNS answers are shared between the runs of this process (never longer than their TTL);
    # 0: not at all. A run with ``dns_fresh`` (one a person started) asks the name servers itself and only
    # refreshes what is shared; the others (scheduled runs) may use it.
    dns_reuse: float = 0.0
    dns_fresh: bool = True
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


def make_resolver(
    nameservers: Sequence[tuple[str, int]] | None, timeout: float, *, reuse: float = 0.0, fresh: bool = True
) -> dns.resolver.Resolver:
    """A resolver asking ``nameservers`` ((address, port) pairs; the system's when empty), every query bounded
    by ``timeout`` seconds. No cache, unless ``reuse`` > 0: then answers are shared with every resolver of this
    process that asks the same servers, each for at most ``reuse`` seconds (see ``shared_answers``); a ``fresh``
    resolver never takes a shared answer, but what it gets replaces the shared one."""
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
    if reuse > 0:
        shared = shared_answers(tuple(nameservers or ()), reuse)
        resolver.cache = _Refreshes(shared) if fresh else shared
    else:
        resolver.cache = None
    return resolver


class _Refreshes:
    """The shared answers as a run a person started sees them: it asks the name servers itself (they may just
    have fixed a record), and its answer replaces the shared one, so the scheduled runs after it see the fix."""

    def __init__(self, shared: dns.resolver.LRUCache) -> None:
        self._shared = shared

    def get(self, key: dns.resolver.CacheKey) -> None:
        return None

    def put(self, key: dns.resolver.CacheKey, value: dns.resolver.Answer) -> None:
        self._shared.put(key, value)

    def flush(self, key: dns.resolver.CacheKey | None = None) -> None:
        return None


class _AnswersKeptBriefly(dns.resolver.LRUCache):
    """dnspython's thread-safe LRU cache of answers, keeping each for its TTL or ``seconds``, whichever is shorter."""

    def __init__(self, seconds: float) -> None:
        super().__init__(max_size=ANSWERS_KEPT)
        self.seconds = seconds

    def put(self, key: dns.resolver.CacheKey, value: dns.resolver.Answer) -> None:
        value.expiration = min(value.expiration, time.time() + self.seconds)
        super().put(key, value)


ANSWERS_KEPT = 10_000  # answers per set of name servers
_answers: dict[tuple[tuple[tuple[str, int], ...], float], _AnswersKeptBriefly] = {}
_answers_lock = threading.Lock()


def shared_answers(nameservers: tuple[tuple[str, int], ...], seconds: float) -> _AnswersKeptBriefly:
    """The process's answers from ``nameservers``, kept ``seconds`` at most.

    Why: a sweep checks hundreds of systems of the same few sender domains; each asked the same SPF, DMARC,
    DKIM and host records again, which cost the worker about a third of its CPU per diagnosis and the name
    servers a dozen queries (benchmarks/RESULTS.md). A resolver of SAP's own network caches the same way.
    Timeouts and failures are never kept: dnspython caches answers only (NXDOMAIN and "no such record" too).
    """
    with _answers_lock:
        cache = _answers.get((nameservers, seconds))
        if cache is None:
            cache = _answers[(nameservers, seconds)] = _AnswersKeptBriefly(seconds)
        return cache


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
        return make_resolver(self.env.nameservers, self.env.timeout, reuse=self.env.dns_reuse, fresh=self.env.dns_fresh)

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
