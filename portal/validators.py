"""Validation of the values a Basis admin types or imports; each error says which value and why.

Only malformed values are refused here. Microsoft's rules (hosts, ports, releases, TLS) are
warnings from the connectors, because relays and labs legitimately break them.
"""

from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from connectors.addresses import egress_ip_problem, is_email, is_guid, is_host_name, parse_egress
from connectors.quoting import describe_character, unsafe_character
from connectors.releases import parse_release, release_label

# SAP Note 1979280 lists the SIDs that SAP reserves; the installer refuses them.
RESERVED_SIDS = frozenset(
    """ADD ALL AMD AND ANY ARE ASC AUX AVG BIN BIT CDC COM CON DBA DBM DBO DTD ECO END EPS EXE FOR
    GET GID IBM INT KEY LIB LOG LPT MAX MIN MON NIX NOT NUL OFF OLD OMS OUT PAD PRN RAW REF ROW SAP
    SET SGA SHG SID SQL SUM SYS TMP TOP TRC UID USE USR VAR""".split()
)

# Every pattern is matched whole (fullmatch: ``$`` would let a trailing line break through) and names
# its characters: ``\d`` and ``\w`` also take other scripts' digits and letters (``١٠٠``, ``５``).
_SID = re.compile(r"[A-Z][A-Z0-9]{2}")
_CLIENT = re.compile(r"[0-9]{3}")
_ZONE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_DIGITS = re.compile(r"[0-9]{1,18}")


def ascii_int(text: str | None) -> int | None:
    """A whole number written with the digits 0-9 only, or None.

    ``int()`` also reads other scripts' digits (``١٠٠``), full-width ones (``５８７``) and underscores
    (``1_000``); ``str.isdigit()`` says yes to ``²``, which ``int()`` then refuses. Neither is what a
    query parameter, a CSV cell or a setting means here.
    """
    if text is None or not _DIGITS.fullmatch(text):
        return None
    return int(text)


def normalise_sid(raw: str | None) -> str:
    """A SID as typed, upper-cased once it is known to be ASCII (``"ßa".upper()`` is ``"SSA"``)."""
    text = (raw or "").strip()
    if not text.isascii():
        validate_sid(text)  # refuses it, with the message that names the allowed characters
    return text.upper()


def validate_sid(value: str) -> None:
    if not _SID.fullmatch(value or ""):
        raise ValidationError(
            "%(value)r is not a SAP system ID: three characters, a letter A-Z first, "
            "then letters A-Z or digits 0-9 (e.g. PRD, S4H).",
            params={"value": value},
            code="sid_format",
        )
    if value in RESERVED_SIDS:
        raise ValidationError(
            "%(value)s is reserved by SAP and cannot be a system ID.", params={"value": value}, code="sid_reserved"
        )


def validate_client(value: str) -> None:
    if not _CLIENT.fullmatch(value or ""):
        raise ValidationError(
            "%(value)r is not a SAP client: three digits 0-9, e.g. 100.", params={"value": value}, code="client"
        )


def normalise_release(raw: str | int | None) -> int | None:
    """SAP_BASIS release as an integer: 740, 750, 758, 816. '7.5', '7.50', '75' and '750' are one thing."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]{2}", text):
        text += "0"  # "75": the short form people type for 7.50
    try:
        value = parse_release(text)
    except ValueError:
        value = -1
    if not 700 <= value <= 999:
        raise ValidationError(
            "%(value)r is not a SAP_BASIS release: write it with the digits 0-9, like 740, 7.50 or 816.",
            params={"value": str(raw)},
            code="release",
        )
    return value


def format_release(value: int | None) -> str:
    return "" if value is None else release_label(value)


def refuse_unsafe_text(value: str) -> None:
    """The connectors' rule for text that reaches generated commands, said before any format rule:
    "contains a line break (U+000A)" tells more than "is not a host name", and never repeats the value."""
    if (char := unsafe_character(value)) is not None:
        raise ValidationError(
            "The value contains %(char)s: values that go into commands, scripts and SAP fields must be one "
            "line of printable text.",
            params={"char": describe_character(char)},
            code="unsafe_text",
        )


def validate_hostname(value: str) -> None:
    """A DNS name or an IP address (an IP is allowed here; the connectors warn about it)."""
    refuse_unsafe_text(value)
    if "%" not in value:  # a zone index (fe80::1%eth0) names an interface of this host, not the target's
        try:
            ipaddress.ip_address(value)
            return
        except ValueError:
            pass
    if value != value.strip() or not is_host_name(value):
        raise ValidationError(
            "%(value)r is not a host name: letters a-z, digits 0-9 and hyphens in dot-separated labels "
            "(an internationalised name in its xn-- form).",
            params={"value": value},
            code="hostname",
        )


def validate_guid(value: str) -> None:
    if value != value.strip() or not is_guid(value):
        raise ValidationError(
            "%(value)r is not a GUID (like 00000000-0000-0000-0000-000000000000).",
            params={"value": value},
            code="guid",
        )


def validate_tenant(value: str) -> None:
    """Entra ID accepts a tenant as its GUID or one of its verified domains."""
    if re.fullmatch(r"[0-9a-fA-F-]{32,36}", value or ""):
        validate_guid(value)
        return
    if "." not in (value or ""):
        raise ValidationError(
            "%(value)r is not a tenant: give the tenant ID (a GUID) or a verified domain such as "
            "contoso.onmicrosoft.com.",
            params={"value": value},
            code="tenant",
        )
    validate_hostname(value)


def validate_address(value: str) -> None:
    """Django's rule and the connectors' (one rule for forms, import and generated steps): ASCII only.

    Django's own validator matches ``[A-Z]`` case-insensitively, which lets the Kelvin sign and the
    long s through, and takes internationalised domains as typed.
    """
    refuse_unsafe_text(value)
    try:
        validate_email(value)
        acceptable = value.isascii() and is_email(value)
    except ValidationError:
        acceptable = False
    if not acceptable:
        raise ValidationError(
            "%(value)r is not an e-mail address: write it in ASCII, like sap-prd@contoso.com "
            "(an internationalised domain in its xn-- form).",
            params={"value": value},
            code="address",
        )


def validate_zone(value: str) -> None:
    if not _ZONE.fullmatch(value or ""):
        raise ValidationError(
            "%(value)r is not a zone name: lower-case letters a-z, digits 0-9, '-' or '_', up to 40 characters.",
            params={"value": value},
            code="zone",
        )


def parse_egress_ips(raw: str) -> list[str]:
    """Public IPv4/IPv6 addresses or ranges separated by spaces, semicolons or commas.

    One rule with the connectors (``egress_ip_problem``): private, loopback, link-local and
    IPv4-mapped private addresses are refused with the reason.
    """
    addresses: list[str] = []
    for item in re.split(r"[\s;,]+", raw or "", flags=re.ASCII):
        if not item:
            continue
        try:
            parse_egress(item)
        except ValueError:
            raise ValidationError(
                "%(value)r is not an IP address or range.", params={"value": item}, code="ip_address"
            ) from None
        problem = egress_ip_problem(item)  # names the address: an address is never a secret
        if problem:
            raise ValidationError(problem, code="ip_not_public")
        network = parse_egress(item)
        text = str(network.network_address) if network.num_addresses == 1 else str(network)
        if text not in addresses:
            addresses.append(text)
    return addresses
