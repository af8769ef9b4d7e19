"""Postfix files for a relay between SAP and Exchange Online, and the one rule for what may stand in them.

The relay listens to SAP (STARTTLS with its own certificate), relays only for the SAP application
servers listed in a ``cidr:`` table, and sends everything on to Exchange Online at the ``secure``
TLS level: the upstream's certificate must chain to the system CA store *and* carry the upstream's
name, otherwise the mail waits in the queue and no password is sent.

Debian's Postfix has no XOAUTH2 client, so it cannot use the oauth2 upstream; a relay in front of
Exchange Online uses a connector (by IP or certificate), Direct Send, or — while it lasts — Basic
authentication (``supports_upstream``).

Every Postfix statement below was checked against the manual pages of Postfix 3.7.11 (Debian 12)
and Postfix's README files; each carries its source. ``tests/relay`` applies these files to a real
Postfix and relays through it to the lab.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.addresses import is_ip_literal
from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.endpoints import upstream_endpoint, upstream_option
from connectors.placeholders import FIELD_LABELS
from connectors.problems import Problem, warning
from connectors.quoting import shell_word

POSTCONF = "https://www.postfix.org/postconf.5.html"
TLS_README = "https://www.postfix.org/TLS_README.html"

# Debian's config_directory (``postconf -d config_directory``). main.cf names its own files as
# $config_directory/... — postconf(5) expands "$name" in every value — so the same text works for
# the test's private instance (``postfix -c DIR``); shell commands name the directory itself.
CONFIG_DIRECTORY = "/etc/postfix"
SAP_NETWORKS_FILE = "sap_networks.cidr"
SASL_PASSWORD_FILE = "sasl_passwd"
TLS_DIRECTORY = "tls"
# The system CA store as one file. smtp_tls_CAfile is read before the smtp(8) client enters its
# chroot, so a file outside the chroot works (postconf(5) smtp_tls_CAfile). Sources: Debian
# update-ca-certificates(8); RHEL: the link update-ca-trust(8) maintains into
# /etc/pki/ca-trust/extracted/pem (https://herongyang.com/PKI/Linux-CentOS-update-ca-trust-Command.html);
# SUSE update-ca-certificates(8) and https://github.com/openSUSE/ca-certificates (README).
SYSTEM_CA_FILES: tuple[tuple[str, str], ...] = (
    ("Debian, Ubuntu", "/etc/ssl/certs/ca-certificates.crt"),
    ("RHEL", "/etc/pki/tls/certs/ca-bundle.crt"),
    ("SUSE", "/etc/ssl/ca-bundle.pem"),
)
SYSTEM_CA_FILE = SYSTEM_CA_FILES[0][1]
# The lab cloud's certificates come from the lab's own CA (lab/pki.py): the demo keeps it in
# .data/lab/lab-ca.pem; a relay built for the lab trusts that file instead of the system store.
LAB_CA_FILE = "$config_directory/lab-ca.pem"
# ">=TLSv1.2" is Postfix 3.6+ syntax; older releases take the exclusion list (postconf(5)
# smtp_tls_mandatory_protocols, "Legacy syntax"). compatibility_level 3.6 is the level of every
# 3.6-3.10 release; before 3.6 the levels were 0, 1 and 2 (postconf(5) compatibility_level,
# COMPATIBILITY_README).
MINIMUM_POSTFIX = "3.6"
MINIMUM_TLS = ">=TLSv1.2"
LEGACY_MINIMUM_TLS = "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"
COMPATIBILITY_LEVEL = "3.6"
LEGACY_COMPATIBILITY_LEVEL = "2"
EXCHANGE_MAX_MESSAGE_BYTES = 35 * 1024 * 1024  # Exchange Online's default maximum message size
MAILBOX_CONNECTION_LIMIT = 3  # concurrent SMTP connections Exchange Online allows per mailbox
# A line of the SAP networks table: "pattern result"; for mynetworks the result is ignored
# (postconf(5) mynetworks; cidr_table(5) TABLE FORMAT).
SAP_NETWORKS_EXAMPLE = "192.0.2.10/32    sap-app-server-1"

# What Postfix reads as plain text in main.cf and in a lookup table. Postfix has no quoting:
# "$" starts a parameter expansion (postconf(5), "$name" and "$$"), whitespace, commas and colons
# separate list elements, "{}" groups, "!" negates, "[]" marks a literal host, a line starting
# with whitespace continues the previous one and "#" starts a comment (postconf(5), cidr_table(5)).
# Host names, e-mail addresses and SIDs fit in what is left (no "/" either: some values name files).
_SAFE = re.compile(r"[A-Za-z0-9._@+-]+")


class PostfixValueError(ValueError):
    """A value that cannot be written into a Postfix file without changing what Postfix reads."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        label = FIELD_LABELS.get(field, field)
        super().__init__(f"{label} {ascii(value)} cannot go into the Postfix configuration: {reason}")

    def problem(self) -> Problem:
        return warning(self.field, str(self))


def postfix_value(value: str, *, field: str) -> str:
    """``value`` unchanged when Postfix reads it as exactly that text in main.cf or a table, else
    PostfixValueError naming the field and the first character that is not allowed.

    Postfix has no escape for most of these characters, so nothing is escaped: a value that would
    need it is refused (there is always a host name or address that needs none).
    """
    if not value:
        raise PostfixValueError(field, value, "it is empty.")
    for char in value:
        if not _SAFE.fullmatch(char):
            raise PostfixValueError(field, value, _why_not(char))
    return value


def _why_not(char: str) -> str:
    if char == "$":
        return "'$' starts a Postfix parameter expansion."
    if char.isspace() or not char.isprintable():
        return f"it contains the control or space character U+{ord(char):04X}, which splits or ends a Postfix line."
    if not char.isascii():
        return f"it contains the non-ASCII character U+{ord(char):04X}; use the ASCII (A-label) form."
    return f"'{char}' has a meaning of its own in Postfix files; only letters, digits and . _ @ + - can be used."


def supports_upstream(option: str) -> bool:
    """Whether a stock (Debian) Postfix can reach Exchange Online by this option (no XOAUTH2 client)."""
    return option in {"relay_connector", "direct_send", "smtp_basic"}


@dataclass(frozen=True)
class RelayNames:
    """The checked values the relay's files are made of."""

    myhostname: str  # "" when SAP reaches the relay by IP address: Postfix then uses the system's name
    server_certificate: str  # file stem of the relay's own certificate (what SAP verifies)
    upstream_host: str
    upstream_port: int
    mailbox: str  # smtp_basic only
    client_certificate: str  # certificate connector only: its CN/SAN, also the file stem
    label: str


@dataclass(frozen=True)
class Unwritable:
    """Why the files can't be written yet: fields not set, or a value Postfix cannot hold."""

    missing: tuple[str, ...] = ()
    refused: PostfixValueError | None = None

    def __str__(self) -> str:
        return str(self.refused) if self.refused else f"not set: {', '.join(self.missing)}"


def relay_names(config: MailConfig, *, certificate_name: str = "") -> RelayNames | Unwritable:
    """The checked values for the relay's files. Raises ValueError for the oauth2 upstream."""
    option = upstream_option(config)
    if not supports_upstream(option):
        raise ValueError("Debian's Postfix has no XOAUTH2 client: use a connector upstream")
    host, port, _ = upstream_endpoint(config)
    required = (("smtp_host", config.smtp_host), ("sender", host))
    if option == "smtp_basic":
        required += (("mailbox", config.mailbox),)
    missing = tuple(name for name, value in required if not value)
    if missing:
        return Unwritable(missing=missing)
    upstream_field = "relay_host" if config.relay_host else ("sender" if option != "smtp_basic" else "cloud")
    relay = config.smtp_host.strip().rstrip(".")
    try:
        if is_ip_literal(host):
            # "secure" verifies a DNS name of the certificate (TLS_README, secure server certificate verification).
            raise PostfixValueError(
                upstream_field,
                host,
                "the 'secure' TLS level checks a name in the certificate: give the upstream by name.",
            )
        by_ip = is_ip_literal(relay)
        return RelayNames(
            myhostname="" if by_ip else postfix_value(relay, field="smtp_host"),
            server_certificate="relay" if by_ip else relay,
            upstream_host=postfix_value(host.strip().rstrip(".").lower(), field=upstream_field),
            upstream_port=port,
            mailbox=postfix_value(config.mailbox, field="mailbox") if option == "smtp_basic" else "",
            client_certificate=(
                postfix_value(certificate_name, field="tls_certificate_name")
                if option == "relay_connector" and certificate_name
                else ""
            ),
            label=f"{postfix_value(config.sid, field='sid')}/{postfix_value(config.client, field='client')}",
        )
    except PostfixValueError as refused:
        return Unwritable(refused=refused)


def _checked(config: MailConfig, certificate_name: str = "") -> RelayNames:
    names = relay_names(config, certificate_name=certificate_name)
    if isinstance(names, Unwritable):
        raise names.refused or ValueError(str(names))
    return names


def next_hop(names: RelayNames) -> str:
    """relayhost and the sasl_passwd key: "[name]:port", brackets so Postfix looks up no MX record
    (SASL_README: the password table must use the same form as relayhost)."""
    return f"[{names.upstream_host}]:{names.upstream_port}"


def ca_file(config: MailConfig) -> str:
    return LAB_CA_FILE if cloud_for(config.cloud).is_lab else SYSTEM_CA_FILE


def main_cf(config: MailConfig, *, certificate_name: str = "") -> str:
    """The main.cf fragment for ``config``'s upstream (Postfix 3.6 or later).

    Raises ValueError for the oauth2 upstream (no XOAUTH2 client) or a missing value, and
    PostfixValueError for a value Postfix can't hold (``relay_names`` tells which, without raising).
    """
    names = _checked(config, certificate_name)
    option = upstream_option(config)
    lines = [
        f"# SAP {names.label} -> Exchange Online through this relay ({option} upstream). Postfix {MINIMUM_POSTFIX} or later.",
        "# Generated by the SAP Mail Health Portal. Merge into /etc/postfix/main.cf, then run:",
        "#   postfix check && systemctl restart postfix",
        "# (restart, not reload: Postfix reads inet_interfaces only when it starts - postconf(5) inet_interfaces.)",
        f"compatibility_level = {COMPATIBILITY_LEVEL}",
    ]
    if names.myhostname:
        lines.append(f"myhostname = {names.myhostname}")
    lines += [
        "inet_interfaces = all",
        "# Nothing is delivered on the relay itself: no local domains, no aliases database to open.",
        # alias_maps are the tables of local(8) delivery (postconf(5) alias_maps); the relay delivers nothing
        # locally, so it needs none (and logs no error about a missing aliases database).
        "mydestination =",
        "alias_maps =",
        "alias_database =",
        "local_transport = error:local delivery is disabled on this relay",
        f"# Relay only for this host and the SAP application servers in {SAP_NETWORKS_FILE} (its own step).",
        f"mynetworks = 127.0.0.1/32 [::1]/128 cidr:$config_directory/{SAP_NETWORKS_FILE}",
        "smtpd_relay_restrictions = permit_mynetworks, reject",
        "# SAP -> relay: STARTTLS with the relay's certificate, which SAP trusts in STRUST.",
        f"smtpd_tls_cert_file = $config_directory/{TLS_DIRECTORY}/{names.server_certificate}.crt",
        f"smtpd_tls_key_file = $config_directory/{TLS_DIRECTORY}/{names.server_certificate}.key",
        # may: STARTTLS offered, not required (postconf(5) smtpd_tls_security_level).
        "smtpd_tls_security_level = may",
        f"smtpd_tls_protocols = {MINIMUM_TLS}",
        f"smtpd_tls_mandatory_protocols = {MINIMUM_TLS}",
        "smtpd_tls_loglevel = 1",
        "# Relay -> Exchange Online: TLS 1.2 or later, the certificate must chain to a trusted CA and name",
        "# the upstream host; otherwise the mail stays in the queue (and no password is sent).",
        f"relayhost = {next_hop(names)}",
        # 'secure': the chain must be trusted and a DNS name of the certificate (SAN, else CN) must match the
        # list (TLS_README "Secure server certificate verification"; postconf(5) smtp_tls_security_level).
        # The list is the upstream's own name rather than the default "nexthop": the check stays the same
        # whatever relayhost says. Postfix hands the names to OpenSSL with whole-label wildcards allowed, so
        # *.mail.protection.outlook.com matches contoso-com.mail.protection.outlook.com (src/tls/tls_client.c
        # add_namechecks); tests/relay proves both with the lab's wildcard certificate.
        "smtp_tls_security_level = secure",
        f"smtp_tls_secure_cert_match = {names.upstream_host}",
        f"smtp_tls_mandatory_protocols = {MINIMUM_TLS}",
        f"smtp_tls_protocols = {MINIMUM_TLS}",
        *_ca_lines(config),
        "smtp_tls_loglevel = 1",
        f"message_size_limit = {EXCHANGE_MAX_MESSAGE_BYTES}",
    ]
    if names.client_certificate:
        lines += [
            f"# The inbound connector matches this certificate: its CN or SAN must be {names.client_certificate}.",
            f"smtp_tls_cert_file = $config_directory/{TLS_DIRECTORY}/{names.client_certificate}.crt",
            f"smtp_tls_key_file = $config_directory/{TLS_DIRECTORY}/{names.client_certificate}.key",
        ]
    if option == "smtp_basic":
        lines += [
            "# Basic authentication is retiring: plan the move to a connector.",
            "smtp_sasl_auth_enable = yes",
            f"smtp_sasl_password_maps = ${{default_database_type}}:$config_directory/{SASL_PASSWORD_FILE}",
            "smtp_sasl_security_options = noanonymous",
            "smtp_sasl_tls_security_options = noanonymous",
            "smtp_sasl_mechanism_filter = login",
            f"# Exchange Online allows {MAILBOX_CONNECTION_LIMIT} connections per mailbox; stay below.",
            f"smtp_destination_concurrency_limit = {MAILBOX_CONNECTION_LIMIT - 1}",
        ]
    return "\n".join(lines) + "\n"


def _ca_lines(config: MailConfig) -> list[str]:
    if cloud_for(config.cloud).is_lab:
        return [
            "# The lab cloud: its certificates come from the lab's CA (copy .data/lab/lab-ca.pem here).",
            f"smtp_tls_CAfile = {LAB_CA_FILE}",
        ]
    others = "; ".join(f"{where}: {path}" for where, path in SYSTEM_CA_FILES[1:])
    return [
        f"# The system CA store as one file ({SYSTEM_CA_FILES[0][0]}). Elsewhere: {others}.",
        f"smtp_tls_CAfile = {SYSTEM_CA_FILE}",
    ]


def sap_networks_table() -> str:
    """The starting content of the SAP networks table: comments only, so it is valid as written."""
    return (
        f"# {CONFIG_DIRECTORY}/{SAP_NETWORKS_FILE}: the SAP application servers allowed to relay through this host.\n"
        "# One line each: address or network/prefix, whitespace, any word (Postfix ignores it here).\n"
        "# IPv6 works as written (2001:db8::10/128). Postfix reads the file into memory: run\n"
        "# 'postfix reload' after a change.\n"
        f"# {SAP_NETWORKS_EXAMPLE}\n"
    )


def sasl_password_command(config: MailConfig) -> str:
    """Shell commands that write the smtp_basic password table; the password is typed on the relay
    (never shown, never in the shell history, never held by the portal)."""
    names = _checked(config)
    path = f"{CONFIG_DIRECTORY}/{SASL_PASSWORD_FILE}"
    return (
        "umask 077\n"
        f"IFS= read -r -s -p {shell_word(f'Password of {names.mailbox}: ')} password && echo\n"
        f"printf '%s %s:%s\\n' {shell_word(next_hop(names))} {shell_word(names.mailbox)} \"$password\""
        f" > {shell_word(path)}\n"
        "unset password\n"
        f"chmod 600 {shell_word(path)} && postmap {shell_word(path)}\n"
    )


def old_sap_tls_note() -> str:
    """What a relay can and cannot do for an SAP whose CommonCryptoLib has no TLS 1.2.

    Verified: smtpd_tls_protocols governs what SAP may negotiate with the relay (postconf(5)); OpenSSL 3
    refuses TLS 1.0 and 1.1 at security level 1 and above (openssl/openssl commit 7bf2e4d, "ban SSL3,
    TLS1, TLS1.1 and DTLS1.0 at security level one and above"). Not verified here: the exact cipher
    setting a given Postfix build needs to offer TLS 1.0 again - the note says so.
    """
    return (
        f"This relay offers STARTTLS to SAP with TLS 1.2 or later only (smtpd_tls_protocols = {MINIMUM_TLS}): an SAP "
        "kernel whose CommonCryptoLib cannot do TLS 1.2 fails STARTTLS here as it does at Exchange Online. The fix "
        "is on SAP (CommonCryptoLib and ssl/client_ciphersuites, SAP Note 510007). Until then, either send from SAP "
        "to the relay without TLS (SCOT security settings; the relay offers STARTTLS but does not require it, and "
        "this hop stays inside your network) or accept the old protocol on this hop only (smtpd_tls_protocols = "
        ">=TLSv1) - OpenSSL 3 refuses TLS 1.0/1.1 above security level 0, so smtpd's cipher list then needs "
        "@SECLEVEL=0 too; not verified by the portal: test it with your SAP kernel. The hop to Exchange Online "
        "keeps TLS 1.2 either way."
    )


def legacy_notes() -> tuple[str, ...]:
    """What changes for a Postfix older than 3.6 (``postconf mail_version`` shows the release)."""
    return (
        f"Postfix older than {MINIMUM_POSTFIX} (postconf mail_version): write each '{MINIMUM_TLS}' as "
        f"'{LEGACY_MINIMUM_TLS}' and set compatibility_level = {LEGACY_COMPATIBILITY_LEVEL} "
        f"({POSTCONF}#smtp_tls_mandatory_protocols, {POSTCONF}#compatibility_level).",
    )
