"""A plan of checks: which diagnostic checks make up an option's diagnosis, in which order, and
what each of them must expect of the system's mail route.

The checks in diagnostics/checks never look at the option code: an option says here what its
route is (host, port, TLS, Microsoft's or the customer's host, AUTH, IP-bound or not), so a new
option is a change to connectors/ only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Expectations:
    """What the checks must expect of one system's mail route; the defaults are Exchange Online's
    client submission (the strictest)."""

    host: str = ""  # where SAP's mail goes; "" when it cannot be known yet (no sender domain for an MX endpoint)
    port: int = 587
    tls: str = "starttls"  # the TLS mode SAP uses: a key of connectors.config.TLS_MODES
    microsoft_host: bool = True  # Exchange Online's host: a name, never an IP literal or a private address
    documented_host: str = ""  # the name Microsoft documents for this route, for remedies
    private_host_ok: bool = False  # a private address may be connected to (a relay inside the network)
    tls_mandatory: bool = True  # STARTTLS must be offered and TLS may not be off (Exchange refuses AUTH without)
    old_tls_tolerated: bool = False  # TLS below 1.2 or legacy ciphers only warn (a relay the customer runs)
    auth: str = ""  # the SMTP AUTH the route uses: "xoauth2", "password", or "" for none
    ip_bound: bool = False  # delivery depends on the egress IP (connector match, SPF): a mismatch fails
    credential: str = "secret"  # what secret.expiry watches: "secret", "certificate" or "password"
    expiry_required: bool = True  # an unknown expiry date is worth a warning (not for a mailbox password)


@dataclass(frozen=True)
class PlannedCheck:
    """One check of a plan.

    ``after`` names the checks it depends on. When one of them ends ``fail``, ``error`` or
    ``skipped``, this check is ``skipped`` with that dependency named; ``warn`` lets it run.
    ``expect`` is what the check must expect of the route (see ``Expectations``).
    """

    key: str
    after: tuple[str, ...] = ()
    expect: Expectations = field(default_factory=Expectations, compare=False)


def expecting(expect: Expectations, checks: Iterable[PlannedCheck]) -> tuple[PlannedCheck, ...]:
    """The checks of a plan, each carrying what it must expect of this route."""
    return tuple(replace(check, expect=expect) for check in checks)
