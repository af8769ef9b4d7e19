"""The lab's Exchange Online SMTP stand-in: aiosmtpd listeners on loopback with Exchange's reply texts.

One asyncio loop in one thread serves every listener (table ``LISTENERS``): client submission
(smtp.office365.com:587 — STARTTLS, AUTH LOGIN XOAUTH2), the MX endpoint (port 25 — Direct Send
and relay connectors), and the faults a diagnosis must name: implicit TLS, no STARTTLS, TLS 1.0
only, expired / wrong-name / untrusted certificates, a server that never greets, a closed port and
a filtered one (a listening socket whose backlog is full, so SYNs are dropped and connect times out).

What Exchange knows about tenants and mailboxes is a small in-memory ``LabDirectory``; the
XOAUTH2 token check is injected (``token_validator``: the lab Entra's ``validate_token``).
"""

from __future__ import annotations

import asyncio
import base64
import collections
import datetime as dt
import itertools
import logging
import secrets
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from typing import Any

import trustme
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session, TLSSetupException

from .pki import LAB_CA_ORGANIZATION, LabPki

# aiosmtpd itself sets the attribute it deprecated on every successful AUTH and logs a warning each
# time: not ours to fix, and noise in the demo's log.
_log = logging.getLogger(__name__)
logging.getLogger("mail.log").addFilter(lambda record: "login_data is deprecated" not in record.getMessage())

LAB_EGRESS_IP = "203.0.113.10"  # the public IP Exchange "sees" by default (NAT); = lab DNS's authorised IP
UNREACHABLE_ADDRESS = "127.255.255.255"  # loopback broadcast: connect() fails with ENETUNREACH at once
GOOD_CERT_NAMES = (
    "smtp.office365.lab.test",
    "*.mail.protection.lab.test",
    "*.lab.test",
    "localhost",
    "127.0.0.1",
)
WRONG_CERT_NAME = "smtp.wrong-name.example"
SERVER_MAX_SIZE = 157_286_400  # what Exchange Online advertises (SIZE 150 MB)
DEFAULT_MAX_SEND_SIZE = 35 * 1024 * 1024  # a mailbox's default MaxSendSize
RELAY_MAX_SIZE = 10_240_000  # Postfix's default message_size_limit
SMTP_SEND_AS_APP = "SMTP.SendAsApp"
EXCHANGE_AUDIENCES = ("https://outlook.office365.com", "00000002-0000-0ff1-ce00-000000000000")
MECHANISMS = ("LOGIN", "PLAIN", "XOAUTH2")


# -- Exchange's replies (reference/exchange-online.md) ------------------------------------------
class Replies:
    """Exchange Online's reply texts; ``{host}`` is the answering server, ``{ip}`` the client's IP."""

    AUTH_OK = "235 2.7.0 Authentication successful"
    AUTH_BAD = "535 5.7.3 Authentication unsuccessful [{host}]"
    SMTP_AUTH_OFF = (
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the {scope}. "
        "Visit https://aka.ms/smtp_auth_disabled for more information. [{host}]"
    )
    BASIC_DISABLED = "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [{host}]"
    BASIC_REMOVED = "550 5.7.30 Basic authentication is not supported for Client Submission. [{host}]"
    NOT_AUTHENTICATED = "530 5.7.57 Client not authenticated to send mail. [{host}]"
    SEND_AS = "550 5.7.60 SMTP; Client does not have permissions to send as this sender [{host}]"
    RELAY_DENIED = "550 5.7.64 TenantAttribution; Relay Access Denied [{host}]"
    DIRECT_SEND = (
        "550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization from "
        "unauthorized sources [{host}]"
    )
    BANNED = (
        "550 {code} Access denied, banned sending IP [{ip}]. To request removal from this list please visit "
        "https://sender.office.com/ and follow the directions. For more information please go to "
        "http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430) [{host}]"
    )
    THREADS = "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname={host}]"
    TOO_LARGE = "552 5.3.4 Message size exceeds fixed maximum message size"
    SENDER_OK = "250 2.1.0 Sender OK"
    RECIPIENT_OK = "250 2.1.5 Recipient OK"
    QUEUED = (  # the MX endpoint
        "250 2.6.0 {message_id} [InternalId={queue_id}, Hostname={host}] {size} bytes in 0.012, "
        "1.532 KB/sec Queued mail for delivery"
    )
    SUBMITTED = "250 2.0.0 OK {message_id} [Hostname={host}]"  # client submission (587)
    RESET = "250 2.0.0 Resetting"
    QUIT = "221 2.0.0 Service closing transmission channel"


class RelayReplies:
    """A Postfix relay's replies, for the non-Exchange listeners (relay servers)."""

    SENDER_OK = "250 2.1.0 Ok"
    RECIPIENT_OK = "250 2.1.5 Ok"
    QUEUED = "250 2.0.0 Ok: queued as {queue_id}"
    TOO_LARGE = "552 5.3.4 Message size exceeds fixed limit"
    RESET = "250 2.0.0 Ok"
    QUIT = "221 2.0.0 Bye"


# -- what Exchange knows: tenants and mailboxes --------------------------------------------------
@dataclass
class ExchangeTenant:
    tenant_id: str
    domains: set[str] = field(default_factory=set)  # accepted domains
    smtp_auth_disabled: bool = False  # Set-TransportConfig -SmtpClientAuthenticationDisabled $true
    basic_disabled: bool = False  # Basic auth blocked (retirement, authentication policy): 535 5.7.139
    basic_removed: bool = False  # Basic auth gone for client submission: 550 5.7.30
    reject_direct_send: bool = False  # Set-OrganizationConfig -RejectDirectSend $true: 550 5.7.68
    connector_ips: set[str] = field(default_factory=set)  # inbound connector: -SenderIPAddresses
    connector_certificates: set[str] = field(default_factory=set)  # inbound connector: -TlsSenderCertificateName
    service_principals: set[str] = field(default_factory=set)  # app ids given to New-ServicePrincipal


@dataclass
class LabMailbox:
    address: str
    tenant_id: str
    password: str | None = field(default=None, repr=False)  # Basic auth (LOGIN/PLAIN)
    smtp_auth_disabled: bool | None = None  # None: the tenant decides; False wins over a tenant-wide block
    full_access: set[str] = field(default_factory=set)  # app ids with FullAccess (Add-MailboxPermission)
    send_as: set[str] = field(default_factory=set)  # other sender addresses it may use (Send As)
    thread_limit: int = 3  # concurrent connections per mailbox
    busy_connections: int = 0  # connections SAP already holds: plays 4.3.2 without real sockets
    max_send_size: int = DEFAULT_MAX_SEND_SIZE  # Set-Mailbox -MaxSendSize


class LabDirectory:
    """Tenants, mailboxes and Microsoft's banned IPs; every decision returns Exchange's reply line."""

    def __init__(self) -> None:
        self.tenants: dict[str, ExchangeTenant] = {}
        self.mailboxes: dict[str, LabMailbox] = {}
        self.banned_ips: dict[str, str] = {}  # ip -> code (5.7.606 ... 5.7.649)
        self._lock = threading.Lock()

    # -- set-up -----------------------------------------------------------------------------
    def add_tenant(self, tenant_id: str, *domains: str, **flags: Any) -> ExchangeTenant:
        with self._lock:
            tenant = self.tenants.setdefault(tenant_id.lower(), ExchangeTenant(tenant_id.lower()))
            tenant.domains.update(d.lower() for d in domains)
            for name, value in flags.items():
                if not hasattr(tenant, name):
                    raise TypeError(f"ExchangeTenant has no {name!r}")
                setattr(tenant, name, set(value) if isinstance(value, list | tuple | set) else value)
            return tenant

    def add_mailbox(self, address: str, *, tenant_id: str | None = None, **flags: Any) -> LabMailbox:
        tenant = self.tenants.get(tenant_id.lower()) if tenant_id else self.tenant_of(address)
        if tenant is None:
            raise ValueError(f"no tenant for {address}: add the tenant (with its domain) first")
        mailbox = LabMailbox(address.lower(), tenant.tenant_id)
        for name, value in flags.items():
            if not hasattr(mailbox, name):
                raise TypeError(f"LabMailbox has no {name!r}")
            setattr(mailbox, name, {v.lower() for v in value} if isinstance(value, list | tuple | set) else value)
        with self._lock:
            self.mailboxes[mailbox.address] = mailbox
        return mailbox

    def ban(self, ip: str, code: str = "5.7.606") -> None:
        self.banned_ips[ip] = code

    def tenant_of(self, address: str) -> ExchangeTenant | None:
        domain = address.rpartition("@")[2].lower()
        return next((t for t in self.tenants.values() if domain in t.domains), None)

    def mailbox(self, address: str) -> LabMailbox | None:
        return self.mailboxes.get(address.lower())

    # -- decisions --------------------------------------------------------------------------
    def _smtp_auth_off(self, mailbox: LabMailbox, tenant: ExchangeTenant) -> str | None:
        if mailbox.smtp_auth_disabled:
            return Replies.SMTP_AUTH_OFF.replace("{scope}", "Mailbox")
        if mailbox.smtp_auth_disabled is None and tenant.smtp_auth_disabled:
            return Replies.SMTP_AUTH_OFF.replace("{scope}", "Tenant")
        return None

    def login(self, user: str, password: str) -> str:
        """AUTH LOGIN / PLAIN (Basic)."""
        mailbox = self.mailbox(user)
        tenant = self.tenants.get(mailbox.tenant_id) if mailbox else None
        if mailbox is None or tenant is None:
            return Replies.AUTH_BAD
        if tenant.basic_removed:
            return Replies.BASIC_REMOVED
        off = self._smtp_auth_off(mailbox, tenant)
        if off:
            return off
        if tenant.basic_disabled:
            return Replies.BASIC_DISABLED
        if mailbox.password is None or not secrets.compare_digest(mailbox.password, password):
            return Replies.AUTH_BAD
        return Replies.AUTH_OK

    def xoauth2(self, user: str, claims: dict[str, Any]) -> str:
        """AUTH XOAUTH2 with a token whose signature and expiry were checked already."""
        mailbox = self.mailbox(user)
        tenant = self.tenants.get(str(claims.get("tid", "")).lower())
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if tenant is None or not any(str(a).rstrip("/") in EXCHANGE_AUDIENCES for a in audiences):
            return Replies.AUTH_BAD
        if mailbox is None or mailbox.tenant_id != tenant.tenant_id:
            return Replies.AUTH_BAD  # user= names no mailbox of the token's tenant
        off = self._smtp_auth_off(mailbox, tenant)
        if off:
            return off
        app_id = str(claims.get("appid") or claims.get("azp") or "").lower()
        if SMTP_SEND_AS_APP not in (claims.get("roles") or []):
            return Replies.AUTH_BAD
        if app_id not in tenant.service_principals or app_id not in mailbox.full_access:
            return Replies.AUTH_BAD
        return Replies.AUTH_OK

    def submit_from(self, identity: str, sender: str, *, connections: int) -> str:
        """MAIL FROM on an authenticated session."""
        mailbox = self.mailbox(identity)
        if mailbox is None:
            return Replies.NOT_AUTHENTICATED
        if connections + mailbox.busy_connections > mailbox.thread_limit:
            return Replies.THREADS
        if sender.lower() != mailbox.address and sender.lower() not in mailbox.send_as:
            return Replies.SEND_AS
        return Replies.SENDER_OK

    def anonymous_from(self, seen_ip: str) -> str:
        """MAIL FROM on the MX endpoint (no authentication)."""
        code = self.banned_ips.get(seen_ip)
        return Replies.BANNED.replace("{code}", code) if code else Replies.SENDER_OK

    def anonymous_rcpt(
        self, sender: str, recipient: str, *, seen_ip: str, client_names: frozenset[str] = frozenset()
    ) -> str:
        """RCPT TO on the MX endpoint: a matching connector (by IP, or by a name in the client's TLS
        certificate) relays anywhere; Direct Send reaches the tenant only."""
        sender_domain = sender.rpartition("@")[2].lower()
        for tenant in self.tenants.values():
            matched = seen_ip in tenant.connector_ips or client_names & tenant.connector_certificates
            if matched and sender_domain in tenant.domains:
                return Replies.RECIPIENT_OK
        target = self.tenant_of(recipient)
        if target is None:
            return Replies.RELAY_DENIED
        if target.reject_direct_send:
            return Replies.DIRECT_SEND
        return Replies.RECIPIENT_OK

    def max_send_size(self, identity: str | None) -> int:
        mailbox = self.mailbox(identity) if identity else None
        return mailbox.max_send_size if mailbox else DEFAULT_MAX_SEND_SIZE


# -- listeners ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Listener:
    """One port of the lab. ``role``: submission (AUTH required), mx (Direct Send / connectors),
    relay (a Postfix-like relay server), silent (never greets), closed, filtered."""

    name: str
    fixed_port: int
    role: str
    host: str  # the lab DNS name that points at it
    tls: str = "starttls"  # starttls | implicit | none
    certificate: str = "good"  # good | expired | wrong_name | untrusted | no_intermediate
    max_tls: ssl.TLSVersion | None = None
    mechanisms: tuple[str, ...] = ()  # AUTH mechanisms offered (after TLS)
    what: str = ""
    flaps: bool = False  # every other connection is dropped before the greeting (a bad node behind the name)


LISTENERS: tuple[Listener, ...] = (
    Listener("submission", 2587, "submission", "smtp.office365.lab.test", mechanisms=("LOGIN", "XOAUTH2"),
             what="smtp.office365.com:587 — STARTTLS, then AUTH LOGIN XOAUTH2"),
    Listener("mx", 2525, "mx", "<domain-with-dashes>.mail.protection.lab.test",
             what="<domain>.mail.protection.outlook.com:25 — Direct Send and relay connectors"),
    Listener("implicit", 2465, "submission", "smtp.office365.lab.test", tls="implicit",
             mechanisms=("LOGIN", "XOAUTH2"), what="implicit TLS (port 465 style)"),
    Listener("basic_only", 2588, "relay", "exchange-onprem.lab.test", mechanisms=("LOGIN", "PLAIN"),
             what="a server without XOAUTH2 (on-premises Exchange, a relay)"),
    Listener("no_starttls", 2526, "relay", "relay-plain.lab.test", tls="none", what="a relay without STARTTLS"),
    Listener("tls10", 2527, "relay", "relay-tls10.lab.test", max_tls=ssl.TLSVersion.TLSv1,
             what="a relay that speaks only TLS 1.0"),
    Listener("expired", 2528, "relay", "relay-expired.lab.test", certificate="expired",
             mechanisms=("LOGIN", "XOAUTH2"), what="a relay with an expired certificate"),
    Listener("wrong_name", 2529, "relay", "relay-wrongname.lab.test", certificate="wrong_name",
             mechanisms=("LOGIN", "XOAUTH2"), what=f"a relay whose certificate names {WRONG_CERT_NAME}"),
    Listener("untrusted", 2530, "relay", "relay-untrusted.lab.test", certificate="untrusted",
             mechanisms=("LOGIN", "XOAUTH2"), what="a relay with a certificate from an untrusted CA"),
    Listener("no_intermediate", 2534, "relay", "relay-nochain.lab.test", certificate="no_intermediate",
             what="a relay that sends its certificate without the intermediate CA"),
    Listener("silent", 2531, "silent", "relay-silent.lab.test", what="accepts TCP, never greets"),
    Listener("flapping", 2535, "relay", "relay-flapping.lab.test", flaps=True,
             what="two relay nodes behind one name, one of them broken: every other connection is dropped"),
    Listener("closed", 2532, "closed", "relay-closed.lab.test", what="nothing listens: connect is refused"),
    Listener("filtered", 2533, "filtered", "relay-filtered.lab.test",
             what="SYNs dropped (full backlog): connect times out"),
)  # fmt: skip
UNREACHABLE_HOST = "relay-unreachable.lab.test"  # → UNREACHABLE_ADDRESS, any port


@dataclass(frozen=True)
class ReceivedMessage:
    listener: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    identity: str | None  # the authenticated mailbox, None for anonymous (MX / relay)
    seen_ip: str
    queue_id: str

    @property
    def message_id(self) -> str:
        return str(BytesHeaderParser().parsebytes(self.content).get("Message-ID", "")).strip()


@dataclass(frozen=True)
class AuthAttempt:
    """What a client offered in AUTH, kept so a test can prove a secret never reached a listener."""

    listener: str
    mechanism: str
    user: str
    secret: str = field(repr=False)  # the password (LOGIN/PLAIN) or the bearer token (XOAUTH2)


# -- the aiosmtpd side --------------------------------------------------------------------------
class _ExchangeSMTP(SMTP):
    """aiosmtpd's SMTP with room for XOAUTH2 lines and Exchange's AUTH LOGIN prompts."""

    line_length_limit = 16_384  # an XOAUTH2 line with a real token is 1.5-3 KB
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, handler: _Handler, **kwargs: Any) -> None:
        # aiosmtpd keeps command_size_limits on the class and clears it per instance: keep our own.
        self.command_size_limits = collections.defaultdict(lambda: self.line_length_limit)
        super().__init__(handler, **kwargs)
        self.command_size_limit = self.line_length_limit

    def connection_lost(self, error: Exception | None) -> None:
        if self.session is not None:
            self.event_handler.disconnected(self.session)
        super().connection_lost(error)


class _Handler:
    """The hooks of one listener: EHLO with the seen IP, AUTH, MAIL/RCPT/DATA rules, kept messages."""

    def __init__(self, lab: LabSmtp, listener: Listener) -> None:
        self.lab = lab
        self.listener = listener
        self.exchange = listener.role in ("submission", "mx")
        self.server_name = (
            (
                "LAB0PR01CA0001.outlook.office365.lab.test"
                if listener.role == "submission"
                else "LAB1EUR01FT001.mail.protection.lab.test"
            )
            if self.exchange
            else listener.host
        )
        self.replies: type[Replies] | type[RelayReplies] = Replies if self.exchange else RelayReplies

    def _say(self, reply: str, session: Session | None = None) -> str:
        return reply.replace("{host}", self.server_name).replace("{ip}", getattr(session, "seen_ip", ""))

    # EHLO: Exchange tells the client which IP it sees; AUTH only once TLS is on.
    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:  # noqa: N802,E501
        session.host_name = hostname
        session.seen_ip = self.lab.nat.get(hostname.lower(), self.lab.reported_ip)
        first = f"{self.server_name} Hello [{session.seen_ip}]" if self.exchange else self.server_name
        lines = [
            first,
            f"SIZE {SERVER_MAX_SIZE if self.exchange else RELAY_MAX_SIZE}",
            "PIPELINING",
            "ENHANCEDSTATUSCODES",
        ]
        encrypted = server._tls_protocol is not None or self.listener.tls == "implicit"
        if server.tls_context is not None and not encrypted:
            lines.append("STARTTLS")
        if self.listener.mechanisms and encrypted:
            lines.append("AUTH " + " ".join(self.listener.mechanisms))
        lines += ["8BITMIME", "SMTPUTF8"]
        return [f"250-{line}" for line in lines[:-1]] + [f"250 {lines[-1]}"]

    # AUTH LOGIN / PLAIN arrive here through aiosmtpd's ``authenticator``.
    def authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user = data.login.decode("utf-8", "replace")
        password = data.password.decode("utf-8", "replace")
        self.lab.record_auth(AuthAttempt(self.listener.name, mechanism, user, password))
        return self._result(self.lab.directory.login(user, password), user, session)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802 - aiosmtpd's naming
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except ValueError:
                await server.push("501 5.5.2 Cannot Decode response")
                return AuthResult(success=False, handled=True)
        else:
            answer = await server.challenge_auth("", encode_to_b64=False)
            if answer is MISSING:
                return AuthResult(success=False, handled=True)
            blob = answer  # type: ignore[assignment]
        fields = dict(part.split("=", 1) for part in blob.decode("utf-8", "replace").split("\x01") if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ").strip()
        self.lab.record_auth(AuthAttempt(self.listener.name, "XOAUTH2", user, token))
        try:
            claims = self.lab.validate_token(token)
        except Exception:  # noqa: BLE001 - any bad token is a 535, as at Exchange
            return self._result(Replies.AUTH_BAD, user, server.session)
        return self._result(self.lab.directory.xoauth2(user, claims), user, server.session)

    def _result(self, reply: str, user: str, session: Session | None) -> AuthResult:
        if reply.startswith("235"):
            self.lab.connected(user, session)
            return AuthResult(success=True, auth_data=user.lower(), message=reply)
        return AuthResult(success=False, handled=False, message=self._say(reply, session))

    def disconnected(self, session: Session) -> None:
        self.lab.disconnected(session)

    # The envelope: submission rules when authenticated, MX rules when anonymous, a relay takes anything.
    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:  # noqa: N802,E501
        identity = session.auth_data if session.authenticated else None
        if identity:
            reply = self.lab.directory.submit_from(identity, address, connections=self.lab.connections(identity))
        elif self.listener.role == "submission":
            reply = Replies.NOT_AUTHENTICATED
        elif self.listener.role == "mx":
            reply = self.lab.directory.anonymous_from(getattr(session, "seen_ip", self.lab.reported_ip))
        else:
            reply = RelayReplies.SENDER_OK
        if reply.startswith("250"):
            envelope.mail_from = address
            envelope.mail_options.extend(options)
        return self._say(reply, session)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:  # noqa: N802,E501
        if session.authenticated or self.listener.role != "mx":
            reply = self.replies.RECIPIENT_OK
        else:
            seen_ip = getattr(session, "seen_ip", self.lab.reported_ip)
            reply = self.lab.directory.anonymous_rcpt(
                envelope.mail_from or "", address, seen_ip=seen_ip, client_names=_client_certificate_names(session)
            )
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self._say(reply, session)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        identity = session.auth_data if session.authenticated else None
        limit = self.lab.directory.max_send_size(identity) if self.exchange else RELAY_MAX_SIZE
        if len(content) > limit:
            return self.replies.TOO_LARGE
        message = self.lab.keep(self.listener.name, envelope, content, identity, getattr(session, "seen_ip", ""))
        queued = Replies.SUBMITTED if self.listener.role == "submission" else self.replies.QUEUED
        reply = queued.replace("{queue_id}", message.queue_id).replace("{size}", str(len(content)))
        return self._say(reply.replace("{message_id}", message.message_id or "<>"), session)

    async def handle_exception(self, error: Exception) -> str:
        # A client that gives up on our certificate or TLS version is what the lab is for: no traceback.
        if not isinstance(error, TLSSetupException):
            _log.exception("lab SMTP %s: %s", self.listener.name, type(error).__name__)
        return "421 4.3.2 Service not available, closing transmission channel"

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        return self.replies.RESET

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        return self.replies.QUIT


def _client_certificate_names(session: Session) -> frozenset[str]:
    """The DNS names (SAN, else CN) of the certificate the client presented in STARTTLS, lower case."""
    certificate = (session.ssl or {}).get("peercert") or {}
    names = [value for kind, value in certificate.get("subjectAltName", ()) if kind == "DNS"]
    if not names:
        names = [value for rdn in certificate.get("subject", ()) for key, value in rdn if key == "commonName"]
    return frozenset(name.lower() for name in names)


class _HangUp(asyncio.Protocol):
    """Accepts the connection and closes it at once, before any greeting (a crashed node behind a load balancer)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class _Silent(asyncio.Protocol):
    """Accepts the connection and never says a word (a port held by something that isn't SMTP)."""

    def __init__(self, open_transports: set[asyncio.BaseTransport]) -> None:
        self._open = open_transports
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._open.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._open.discard(self._transport)  # type: ignore[arg-type]


# -- the lab SMTP service -----------------------------------------------------------------------
class LabSmtp:
    """All listeners on one loop thread. ``fixed_ports=False`` binds free ports (tests)."""

    def __init__(
        self,
        pki: LabPki,
        *,
        token_validator: Callable[[str], dict[str, Any]] | None = None,
        host: str = "127.0.0.1",
        fixed_ports: bool = False,
        reported_ip: str = LAB_EGRESS_IP,
        listeners: tuple[Listener, ...] = LISTENERS,
    ) -> None:
        self.pki = pki
        self.token_validator = token_validator
        self.host = host
        self.fixed_ports = fixed_ports
        self.reported_ip = reported_ip
        self.nat: dict[str, str] = {}  # EHLO name -> the IP Exchange reports for that client (NAT per host)
        self.listeners = {listener.name: listener for listener in listeners}
        self.directory = LabDirectory()
        self.messages: list[ReceivedMessage] = []
        self.auth_attempts: list[AuthAttempt] = []
        self.connects: collections.Counter[str] = collections.Counter()  # connections per listener
        self._turns: collections.Counter[str] = collections.Counter()  # connections of flapping listeners
        self.ports: dict[str, int] = {}
        self._active: collections.Counter[str] = collections.Counter()  # authenticated connections per mailbox
        self._lock = threading.Lock()
        self._queue_ids = itertools.count(1_000_000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._sockets: list[socket.socket] = []  # closed / filtered listeners and the filler connection
        self._open: set[asyncio.BaseTransport] = set()
        # Good certificates come with an intermediate, like Exchange's; like a public CA's issuing CA it
        # carries its root's organisation name.
        self._issuing = trustme.CA(parent_cert=pki.ca, path_length=8, organization_name=LAB_CA_ORGANIZATION)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> LabSmtp:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lab-smtp", daemon=True)
        self._thread.start()
        try:
            for listener in self.listeners.values():
                self.ports[listener.name] = self._open_listener(listener)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._close_servers(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        if loop is not None and not loop.is_running():
            loop.close()
        for sock in self._sockets:
            sock.close()
        self._loop, self._thread, self._servers, self._sockets = None, None, [], []

    def __enter__(self) -> LabSmtp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def port(self, name: str) -> int:
        return self.ports[name]

    # -- what the tests look at -------------------------------------------------------------
    def validate_token(self, token: str) -> dict[str, Any]:
        if self.token_validator is None:
            raise ValueError("the lab SMTP has no token validator (no lab Entra)")
        return self.token_validator(token)

    def keep(
        self, listener: str, envelope: Envelope, content: bytes, identity: str | None, seen_ip: str
    ) -> ReceivedMessage:
        message = ReceivedMessage(
            listener=listener,
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            content=content,
            identity=identity,
            seen_ip=seen_ip,
            queue_id=str(next(self._queue_ids)),
        )
        with self._lock:
            self.messages.append(message)
        return message

    def record_auth(self, attempt: AuthAttempt) -> None:
        with self._lock:
            self.auth_attempts.append(attempt)

    def received(self, message_id: str) -> ReceivedMessage | None:
        with self._lock:
            return next((m for m in self.messages if m.message_id == message_id), None)

    def connections(self, mailbox: str) -> int:
        with self._lock:
            return self._active[mailbox.lower()]

    def connected(self, mailbox: str, session: Session | None) -> None:
        with self._lock:
            self._active[mailbox.lower()] += 1
        if session is not None:
            session.lab_counted = mailbox.lower()

    def disconnected(self, session: Session) -> None:
        counted = getattr(session, "lab_counted", None)
        if counted:
            session.lab_counted = None
            with self._lock:
                self._active[counted] -= 1

    # -- opening the listeners --------------------------------------------------------------
    def _open_listener(self, listener: Listener) -> int:
        port = listener.fixed_port if self.fixed_ports else 0
        if listener.role == "closed":
            return self._closed_port(port)
        if listener.role == "filtered":
            return self._filtered_port(port)
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._serve(listener, port), self._loop)
        return future.result(timeout=10)

    async def _serve(self, listener: Listener, port: int) -> int:
        loop = asyncio.get_running_loop()
        if listener.role == "silent":
            server = await loop.create_server(lambda: _Silent(self._open), self.host, port)
        else:
            handler = _Handler(self, listener)
            context = self._server_context(listener)
            implicit = context if listener.tls == "implicit" else None

            def protocol() -> asyncio.Protocol:
                if listener.flaps and self._bad_turn(listener):
                    return _HangUp()
                return self._protocol(listener, handler, context)

            server = await loop.create_server(protocol, self.host, port, ssl=implicit)
        self._servers.append(server)
        return server.sockets[0].getsockname()[1]

    def restart_flapping(self) -> None:
        """The next connection to each flapping listener is a good one again (tests that share one lab
        start from the same turn, so the flapping system's first run passes whatever ran before)."""
        with self._lock:
            self._turns.clear()

    def _bad_turn(self, listener: Listener) -> bool:
        """For a flapping listener: True for the 2nd, 4th… connection (a diagnosis holds one connection, so
        every other run fails)."""
        with self._lock:
            self._turns[listener.name] += 1
            return self._turns[listener.name] % 2 == 0

    def _protocol(self, listener: Listener, handler: _Handler, context: ssl.SSLContext | None) -> _ExchangeSMTP:
        with self._lock:
            self.connects[listener.name] += 1
        now = format_datetime(dt.datetime.now(dt.UTC))
        ident = f"Microsoft ESMTP MAIL Service ready at {now}" if handler.exchange else "ESMTP Postfix (Debian/GNU)"
        offered = set(listener.mechanisms)
        return _ExchangeSMTP(
            handler,
            hostname=handler.server_name,
            ident=ident,
            tls_context=context if listener.tls == "starttls" else None,
            auth_require_tls=listener.tls != "implicit",
            auth_exclude_mechanism=[m for m in MECHANISMS if m not in offered],
            authenticator=handler.authenticate,
            data_size_limit=SERVER_MAX_SIZE,
            enable_SMTPUTF8=True,
            timeout=120,
            loop=asyncio.get_running_loop(),
        )

    def _server_context(self, listener: Listener) -> ssl.SSLContext | None:
        if listener.tls == "none":
            return None
        if listener.certificate == "good" and listener.max_tls is None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._issuing.issue_cert(*GOOD_CERT_NAMES, common_name=GOOD_CERT_NAMES[0]).configure_cert(context)
            if listener.role == "mx":
                # Like Exchange's MX endpoint: ask for a client certificate (certificate-based connectors),
                # accept clients without one.
                context.verify_mode = ssl.CERT_OPTIONAL
                self.pki.ca.configure_trust(context)
            return context
        if listener.certificate == "no_intermediate":
            # The leaf alone, without the issuing CA that every client needs to reach the trusted root.
            leaf = self._issuing.issue_cert(*GOOD_CERT_NAMES, common_name=GOOD_CERT_NAMES[0])
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            with leaf.cert_chain_pems[0].tempfile() as cert, leaf.private_key_pem.tempfile() as key:
                context.load_cert_chain(cert, key)
            return context
        names = (WRONG_CERT_NAME,) if listener.certificate == "wrong_name" else GOOD_CERT_NAMES
        return self.pki.server_context(
            *names,
            expired=listener.certificate == "expired",
            untrusted=listener.certificate == "untrusted",
            maximum_version=listener.max_tls,
        )

    def _closed_port(self, port: int) -> int:
        # Bound but not listening: the port stays ours, and the kernel answers SYNs with RST.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, port))
        self._sockets.append(sock)
        return sock.getsockname()[1]

    def _filtered_port(self, port: int) -> int:
        # Listening with backlog 0 and one connection never accepted: the accept queue is full, so
        # Linux drops further SYNs and the client's connect() times out — a filtering firewall.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        sock.listen(0)
        bound = sock.getsockname()[1]
        filler = socket.create_connection((self.host, bound), timeout=2)
        self._sockets += [sock, filler]
        return bound

    async def _close_servers(self) -> None:
        for server in self._servers:
            server.close()
        for transport in list(self._open):
            transport.close()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()
        await asyncio.sleep(0)
