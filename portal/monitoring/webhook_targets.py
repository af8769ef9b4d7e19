"""Where the portal's workers may post an alert: the one rule for the subscription form and for each delivery.

The workers post from inside the network, so a webhook must not aim them at this machine (loopback: the
portal's own services, Redis) or at link-local addresses (a cloud's instance metadata), nor at unspecified,
multicast or reserved ones. Private addresses stay allowed: an internal monitoring system is a fair target.

The form can only read a literal address (or ``localhost``). A host name is resolved when the alert is sent:
each address it resolves to is checked, and the request goes to an address checked here, never to a second
lookup (``diagnostics.https_session`` sends to the address with the name in the Host header and TLS), so
neither a name pointing at 169.254.169.254 nor DNS rebinding gets a request through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from diagnostics.checks.dns import unmapped
from diagnostics.https_session import literal_addresses


def address_problem(text: str) -> str | None:
    """Why a worker must not connect to this IP address, or None."""
    address = unmapped(text)  # ::ffff:127.0.0.1 reaches 127.0.0.1
    if address.is_loopback and settings.PORTAL_ALLOW_LOOPBACK_TARGETS:
        return None  # the lab and the demo: stand-ins on loopback
    if address.is_loopback:
        return "is the portal's own machine (loopback)"
    if address.is_link_local or address.is_unspecified or address.is_multicast or address.is_reserved:
        return "is a link-local, unspecified, multicast or reserved address, never a webhook"
    return None


def url_problem(url: str) -> str | None:
    """Why a webhook URL must be refused before anything is resolved: "the host 127.0.0.1 is …", or None."""
    literal = literal_addresses(urlsplit(url).hostname or "")  # an IP address, or localhost: nothing to resolve
    if not literal:
        return None
    problem = address_problem(literal[0])
    return f"the host {literal[0]} {problem}" if problem else None
