"""Values for the generated steps: the system's own value, or a marked placeholder naming the field.

A missing value never crashes a guide. It renders as ``<tenant: set the Tenant field>`` so the
reader sees what to fill in and where, and ``missing_fields`` finds it again for the pages.
Values that the portal must never hold (a secret's value, a password) render as
``<enter in SAP: the client secret's Value>`` — a hand-off, not a missing field.
"""

from __future__ import annotations

import re

from connectors.config import MailConfig

FIELD_LABELS: dict[str, str] = {
    "sid": "SID",
    "client": "Client",
    "basis_release": "SAP_BASIS release",
    "product": "Product",
    "cloud": "Microsoft cloud",
    "smtp_host": "SMTP host",
    "smtp_port": "SMTP port",
    "tls": "TLS mode",
    "sender": "Sender address",
    "mailbox": "Mailbox",
    "tenant": "Tenant",
    "client_id": "Client ID",
    "credential": "Credential",
    "certificate_thumbprint": "Certificate thumbprint",
    "certificate_expires": "Certificate expires",
    "secret_expires": "Secret expires",
    "egress_ips": "Egress IPs",
    "connector": "Connector name",
    "relay_host": "Relay upstream host",
    "upstream_option": "Upstream option",
    "test_recipient": "Test recipient",
    "service_principal_id": "Enterprise application Object ID",
}

_PLACEHOLDER = re.compile(r"<([a-z_]+): set the [^<>]*? field>")


def placeholder(field: str) -> str:
    return f"<{field}: set the {FIELD_LABELS.get(field, field)} field>"


def hand_off(what: str) -> str:
    """A value the admin enters directly where it is used (never stored by the portal)."""
    return f"<enter {what}>"


def missing_fields(*texts: str) -> tuple[str, ...]:
    """Field names of the placeholders in ``texts``, in order of first appearance."""
    found: dict[str, None] = {}
    for text in texts:
        for match in _PLACEHOLDER.finditer(text):
            found.setdefault(match.group(1), None)
    return tuple(found)


def pieces(text: str) -> list[tuple[str, str]]:
    """``text`` cut at its placeholders, as (piece, field) pairs; field is "" for plain text (pages link
    each placeholder to the form field it stands for)."""
    found: list[tuple[str, str]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            found.append((text[position : match.start()], ""))
        found.append((match.group(0), match.group(1)))
        position = match.end()
    if position < len(text):
        found.append((text[position:], ""))
    return found


def value_of(config: MailConfig, field: str) -> str:
    """The field's value as text, or its placeholder when it is empty."""
    raw = getattr(config, field)
    if raw is None or raw == "" or raw == ():
        return placeholder(field)
    if isinstance(raw, tuple):
        return " ".join(str(item) for item in raw)
    return str(raw)


def sender_or_placeholder(config: MailConfig) -> str:
    """The MAIL FROM address; names the Sender field when neither sender nor mailbox is set."""
    return config.effective_sender or placeholder("sender")


def sender_domain_or_placeholder(config: MailConfig) -> str:
    return config.sender_domain or placeholder("sender")
