"""The one SMTP conversation of a diagnosis, stepped through by the checks of the SMTP chain.

A run holds one SMTP connection per mailbox (Exchange Online allows three and SAP needs them), so
``tcp.connect`` opens it, each later check takes one step (banner, EHLO, STARTTLS, AUTH, envelope,
DATA) and the run closes it. Every line is recorded in a transcript that is safe to show and
store: AUTH payloads, XOAUTH2 tokens and passwords never appear in it.

It speaks through a small ``smtplib.SMTP`` subclass (line parsing, dot-stuffing) but does AUTH and
STARTTLS itself: smtplib's ``auth()`` treats a 503 as success and its ``starttls()`` can't show
what failed.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from diagnostics.catalogue import enhanced_code

REDACTED = "<redacted>"
TLS_1_2 = ("TLSv1.2", "TLSv1.3")


class SessionError(Exception):
    """The conversation broke: ``kind`` is "timeout", "closed", "protocol" (not SMTP) or "cancelled"."""

    def __init__(self, kind: str, detail: str, *, waited: float = 0.0) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.waited = waited


@dataclass(frozen=True)
class Reply:
    code: int  # -1 when the line was not an SMTP reply
    text: str  # the reply without its code; lines joined by "\n"

    @property
    def enhanced(self) -> str | None:
        return enhanced_code(self.text)

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]

    def __str__(self) -> str:
        return f"{self.code} {self.first_line}".strip()


@dataclass(frozen=True)
class TlsResult:
    """What TLS negotiation found; chain is DER, leaf first (verified: down to the trusted root)."""

    version: str = ""
    cipher: str = ""
    verified: bool = False  # chain trusted and name matches
    verify_code: int | None = None  # OpenSSL's X509_V_ERR_* when verification failed
    verify_message: str = ""
    chain: tuple[bytes, ...] = ()
    legacy: bool = False  # only a relaxed client (TLS < 1.2 or weak ciphers) got through
    strict_error: str = ""  # what the strict (TLS ≥ 1.2) handshake said, when it failed
    error: str = ""  # no handshake possible at all
    error_kind: str = ""  # "tls" (handshake), "refused" (STARTTLS not 220), "timeout", "closed"
    implicit: bool = False
    attempts: list[str] = field(default_factory=list)

    @property
    def established(self) -> bool:
        return not self.error and bool(self.version)


class Transcript:
    """Lines "S: …" (server), "C: …" (client), "-- …" (notes); secrets are replaced wherever they appear."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def forget(self, secret: str | None) -> None:
        """Never show this value (belt and braces: AUTH lines are redacted anyway)."""
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def add(self, prefix: str, text: str) -> None:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        with self._lock:
            self.lines.append(f"{prefix}{text}")

    def note(self, text: str) -> None:
        self.add("-- ", text)

    def mark(self) -> int:
        return len(self.lines)

    def since(self, mark: int) -> str:
        return "\n".join(self.lines[mark:])

    def text(self) -> str:
        return "\n".join(self.lines)


def _message_summary(message: bytes) -> list[str]:
    """The headers of a message and its body size: what the transcript shows of DATA."""
    head, _, body = message.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = head.decode("utf-8", "replace").split("\n")
    return [*lines, "", f"[body: {len(body)} bytes]", "."]


class _Wire(smtplib.SMTP):
    """smtplib with a pre-connected socket and a redacting recorder on both directions."""

    def __init__(self, sock: socket.socket, transcript: Transcript, *, local_hostname: str, timeout: float) -> None:
        self._presock: socket.socket | None = sock
        self._transcript = transcript
        self._in_auth = False  # between "AUTH …" and the first reply that is not 334
        self._message: bytes | None = None  # set while DATA sends its payload
        super().__init__(local_hostname=local_hostname, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:  # noqa: ARG002 - smtplib API
        sock, self._presock = self._presock, None
        if sock is None:
            raise OSError("the session's socket was already used")
        return sock

    def send(self, s: str | bytes) -> None:  # type: ignore[override]
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        if self._message is not None and text.strip().lower() != "data":
            for line in _message_summary(self._message):
                self._transcript.add("C: ", line)
        else:
            self._transcript.add("C: ", self._shown(text.rstrip("\r\n")))
        super().send(s)

    def _shown(self, line: str) -> str:
        if line[:5].upper() == "AUTH ":
            self._in_auth = True
            mechanism, _, initial = line[5:].partition(" ")
            return f"AUTH {mechanism}" + (f" {REDACTED}" if initial else "")
        return REDACTED if self._in_auth else line

    def getreply(self) -> tuple[int, bytes]:
        code, message = super().getreply()
        lines = message.decode("utf-8", "replace").split("\n") if message else [""]
        for i, line in enumerate(lines):
            self._transcript.add("S: ", f"{code}{'-' if i < len(lines) - 1 else ' '}{line}".rstrip())
        if code != 334:
            self._in_auth = False
        return code, message

    def send_data(self, message: bytes) -> tuple[int, bytes]:
        self._message = message
        try:
            return self.data(message)
        finally:
            self._message = None


def _client_context(factory: Callable[[], ssl.SSLContext], *, legacy: bool, verify: bool) -> ssl.SSLContext:
    """The factory's (shared, verifying) context as it is, or a context of our own for a probe that relaxes it."""
    trusted = factory()
    if verify and not legacy:
        return trusted
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        context.load_verify_locations(cadata=b"".join(trusted.get_ca_certs(binary_form=True)))
    else:  # to read the chain a failing server presents
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if legacy:  # to learn what an outdated server speaks; never used to send credentials blindly
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def _chain(sock: ssl.SSLSocket, *, verified: bool) -> tuple[bytes, ...]:
    """The certificate chain, leaf first: verified (to the root) or as the server sent it."""
    public = getattr(sock, "get_verified_chain" if verified else "get_unverified_chain", None)
    if public is not None:  # Python ≥ 3.13
        return tuple(public())
    inner = getattr(sock, "_sslobj", None)
    method = getattr(inner, "get_verified_chain" if verified else "get_unverified_chain", None)
    if method is not None:  # Python 3.10-3.12: the same, not yet public
        der = getattr(ssl, "_ssl").ENCODING_DER  # noqa: B009 - private constant of the C module
        return tuple(cert.public_bytes(der) for cert in method() or ())
    leaf = sock.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()


@dataclass
class _Probe:
    """What the TLS attempts of one negotiation learnt so far."""

    legacy: bool = False  # relax the client (TLS < 1.2, weak ciphers)
    verify: bool = True  # verify chain and name
    strict_error: str = ""
    verify_code: int | None = None
    verify_message: str = ""
    attempts: list[str] = field(default_factory=list)

    def label(self) -> str:
        return f"{'relaxed' if self.legacy else 'strict'} {'verifying' if self.verify else 'non-verifying'} handshake"

    def failed(self, error: str, kind: str) -> TlsResult:
        return TlsResult(error=error, error_kind=kind, attempts=self.attempts, strict_error=self.strict_error)

    def established(self, sock: ssl.SSLSocket, *, implicit: bool) -> TlsResult:
        return TlsResult(
            version=sock.version() or "",
            cipher=sock.cipher()[0],
            verified=self.verify,
            verify_code=self.verify_code,
            verify_message=self.verify_message,
            chain=_chain(sock, verified=self.verify),
            legacy=self.legacy,
            strict_error=self.strict_error,
            implicit=implicit,
            attempts=self.attempts,
        )


class SmtpSession:
    """The conversation with one SMTP server: connect, then step by step; thread-safe, one step at a time."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        local_hostname: str,
        cancelled: threading.Event | None = None,
    ) -> None:
        self.host = host
        self.cancelled = cancelled or threading.Event()
        self.port = port
        self.timeout = timeout
        self.local_hostname = local_hostname
        self.transcript = Transcript()
        self.address: str | None = None
        self.banner: Reply | None = None
        self.ehlo_reply: Reply | None = None
        self.features: dict[str, str] = {}
        self.tls: TlsResult | None = None
        self.authenticated_as: str | None = None
        self.auth_failed = False  # a failing AUTH is never retried in a run (Entra smart lockout)
        self._sock: socket.socket | None = None
        self._wire: _Wire | None = None
        self._lock = threading.RLock()
        self._closed = False  # close() ran: the run is over, no new connection may be kept

    # -- connection ---------------------------------------------------------------------------
    def connect(self, address: str) -> float:
        """Open TCP to ``address``; returns the seconds it took. Raises OSError (TimeoutError…)."""
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        started = time.monotonic()
        try:
            sock.connect((address, self.port))
        except OSError:
            sock.close()
            raise
        elapsed = time.monotonic() - started
        with self._lock:
            if self._closed or self.cancelled.is_set():
                # The run ended while we connected (TLS probing reconnects): keep nothing open.
                sock.close()
                raise ConnectionAbortedError(f"connected to {address}:{self.port}, but the run is over")
            self._drop()
            self._sock, self.address = sock, address
        self.transcript.note(f"connected to {address}:{self.port} ({self.host}) in {elapsed * 1000:.1f} ms")
        return elapsed

    @property
    def connected(self) -> bool:
        return self._sock is not None or self._wire is not None

    def read_banner(self) -> Reply:
        with self._lock:
            if self._sock is None:
                raise SessionError("closed", "no open connection")
            sock, self._sock = self._sock, None
            self._wire = _Wire(sock, self.transcript, local_hostname=self.local_hostname, timeout=self.timeout)
            started = time.monotonic()
            try:
                code, text = self._wire.connect(self.host, self.port)
            except (smtplib.SMTPException, OSError) as exc:  # gone, silent, or a garbled/over-long line
                raise self._broken(exc, started) from exc
            self.banner = Reply(code, text.decode("utf-8", "replace"))
            return self.banner

    def ehlo(self) -> Reply:
        with self._lock:
            wire = self._require_wire()
            started = time.monotonic()
            try:
                code, text = wire.ehlo(self.local_hostname)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                raise self._broken(exc, started) from exc
            self.ehlo_reply = Reply(code, text.decode("utf-8", "replace"))
            self.features = dict(wire.esmtp_features) if code == 250 else {}
            return self.ehlo_reply

    def command(self, line: str) -> Reply:
        """One command, one reply. Raises SessionError when the server is gone or silent."""
        with self._lock:
            wire = self._require_wire()
            started = time.monotonic()
            try:
                code, text = wire.docmd(line)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                raise self._broken(exc, started) from exc
            return Reply(code, text.decode("utf-8", "replace"))

    # -- TLS ----------------------------------------------------------------------------------
    def negotiate_tls(self, context_factory: Callable[[], ssl.SSLContext], *, implicit: bool = False) -> TlsResult:
        """TLS as the checks need to judge it, reconnecting (one connection at a time) to learn more.

        First a strict, verifying handshake (``context_factory()``: TLS ≥ 1.2, system store + lab CA).
        On a certificate error: again without verification, to read the chain the server presents.
        On another TLS error: again with a relaxed client, to find out what the server speaks.
        After STARTTLS the session says EHLO again (RFC 3207: the old capabilities are void).
        """
        probe = _Probe()
        for attempt in range(3):  # each failed attempt flips one of two switches: three at most
            if attempt:
                if self.cancelled.is_set():
                    return probe.failed("the run was cancelled", "cancelled")
                try:
                    self._reopen(implicit=implicit)
                except (SessionError, OSError) as exc:
                    over = self._closed or self.cancelled.is_set()
                    return probe.failed(
                        f"reconnect failed: {exc}", "cancelled" if over else getattr(exc, "kind", "closed")
                    )
            result = self._attempt(probe, context_factory, implicit=implicit)
            if result is not None:
                return result
        return probe.failed("no TLS handshake succeeded", "tls")

    def _attempt(
        self, probe: _Probe, context_factory: Callable[[], ssl.SSLContext], *, implicit: bool
    ) -> TlsResult | None:
        """One handshake: the result, or None to try again with what ``probe`` learnt."""
        label = probe.label()
        context = _client_context(context_factory, legacy=probe.legacy, verify=probe.verify)
        try:
            sock = self._handshake(context, implicit=implicit)
        except ssl.SSLCertVerificationError as exc:
            probe.attempts.append(f"{label}: certificate rejected: {exc.verify_message}")
            probe.verify, probe.verify_code, probe.verify_message = False, exc.verify_code, exc.verify_message
            return None
        except ssl.SSLError as exc:
            reason = str(exc.reason or exc)
            probe.attempts.append(f"{label}: {reason}")
            if probe.legacy:
                return probe.failed(reason, "tls")
            probe.legacy, probe.strict_error = True, reason
            return None
        except SessionError as exc:
            probe.attempts.append(f"{label}: {exc.detail}")
            return probe.failed(exc.detail, exc.kind)
        probe.attempts.append(f"{label}: {sock.version()} {sock.cipher()[0]}")
        self.tls = probe.established(sock, implicit=implicit)
        self.transcript.note(f"TLS established: {self.tls.version} {self.tls.cipher}")
        if not implicit:
            self.ehlo()
        return self.tls

    def _handshake(self, context: ssl.SSLContext, *, implicit: bool) -> ssl.SSLSocket:
        with self._lock:
            if implicit:
                if self._sock is None:
                    raise SessionError("closed", "no open connection")
                self.transcript.note("TLS handshake (implicit TLS)")
                sock = self._wrap(context, self._sock)
                self._sock = sock
                return sock
            reply = self.command("STARTTLS")
            if reply.code != 220:
                raise SessionError("refused", f"STARTTLS refused: {reply}")
            wire = self._require_wire()
            sock = self._wrap(context, wire.sock)
            # What smtplib.starttls() resets: the old capabilities and the plain-text reader.
            wire.sock, wire.file = sock, None
            wire.helo_resp = wire.ehlo_resp = None
            wire.esmtp_features, wire.does_esmtp = {}, False
            self.features = {}
            return sock

    def _wrap(self, context: ssl.SSLContext, sock: socket.socket) -> ssl.SSLSocket:
        try:
            return context.wrap_socket(sock, server_hostname=self.host)
        except ssl.SSLError:
            raise
        except TimeoutError as exc:
            raise SessionError("timeout", f"no TLS handshake within {self.timeout:g} s", waited=self.timeout) from exc
        except OSError as exc:
            raise SessionError("closed", f"connection lost during the TLS handshake: {exc}") from exc

    def _reopen(self, *, implicit: bool) -> None:
        """A fresh connection to the same address, up to where TLS starts."""
        if self.address is None:
            raise SessionError("closed", "never connected")
        self.transcript.note("closing; reconnecting to find out more about TLS")
        self.connect(self.address)
        if not implicit:
            banner = self.read_banner()
            if banner.code != 220:
                raise SessionError("refused", f"banner on reconnect: {banner}")
            self.ehlo()

    # -- authentication and mail --------------------------------------------------------------
    def auth_xoauth2(self, user: str, token: str) -> Reply:
        self.transcript.forget(token)
        blob = base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()
        # One line, initial response included: this is what Exchange and SAP do (the line is long).
        return self._auth(f"AUTH XOAUTH2 {blob}", user=user, continuation=[])

    def auth_login(self, user: str, password: str) -> Reply:
        self.transcript.forget(password)
        return self._auth("AUTH LOGIN", user=user, continuation=[_b64(user), _b64(password)])

    def auth_plain(self, user: str, password: str) -> Reply:
        self.transcript.forget(password)
        blob = _b64("\0" + user + "\0" + password)
        return self._auth(f"AUTH PLAIN {blob}", user=user, continuation=[])

    def _auth(self, first: str, *, user: str, continuation: list[str]) -> Reply:
        reply = self.command(first)
        for answer in continuation:
            if reply.code != 334:
                break
            reply = self.command(answer)
        if reply.code == 334:  # the server wants more than we have: abort the exchange (RFC 4954)
            reply = self.command("*")
        if reply.code == 235:
            self.authenticated_as = user
        else:
            self.auth_failed = True
        return reply

    def send_message(self, message: bytes) -> Reply:
        with self._lock:
            wire = self._require_wire()
            started = time.monotonic()
            try:
                code, text = wire.send_data(message)
            except smtplib.SMTPDataError as exc:  # DATA itself refused (no 354)
                return Reply(exc.smtp_code, exc.smtp_error.decode("utf-8", "replace"))
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                raise self._broken(exc, started) from exc
            return Reply(code, text.decode("utf-8", "replace"))

    # -- the end ------------------------------------------------------------------------------
    def close(self) -> None:
        """QUIT politely (briefly), then close; safe to call twice, and from another thread.

        When a step is still waiting for the server (the run's time budget ran out), the socket is
        shut down first so that step ends now instead of at its timeout.
        """
        self._closed = True  # before taking the lock: a connect() finishing now must not keep its socket
        aborted = not self._lock.acquire(timeout=0.05)
        if aborted:
            self._abort()
            self._lock.acquire()
        try:
            if self._wire is not None and self._wire.sock is not None and not aborted:
                try:
                    self._wire.sock.settimeout(min(self.timeout, 2.0))
                    self._wire.quit()
                except (smtplib.SMTPException, OSError):
                    pass
            self._drop()
        finally:
            self._lock.release()

    def _abort(self) -> None:
        wire = self._wire
        for sock in (self._sock, wire.sock if wire is not None else None):
            if sock is not None:
                try:
                    # The plain socket's shutdown, also for an SSLSocket: it unblocks a pending read
                    # without pulling the TLS state from under the other thread.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def _drop(self) -> None:
        if self._wire is not None:
            self._wire.close()
            self._wire = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _require_wire(self) -> _Wire:
        if self._wire is None or self._wire.sock is None:
            raise SessionError("closed", "the connection is closed")
        return self._wire

    def _broken(self, exc: BaseException, started: float) -> SessionError:
        waited = time.monotonic() - started
        cause = exc.__context__ if isinstance(exc, smtplib.SMTPServerDisconnected) else exc
        self._drop()
        if isinstance(exc, smtplib.SMTPResponseException):  # smtplib's "500 Line too long." and the like
            said = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            detail = f"not an SMTP reply ({said})"
            self.transcript.note(detail)
            return SessionError("protocol", detail, waited=waited)
        if isinstance(cause, TimeoutError) or isinstance(exc, TimeoutError):
            self.transcript.note(f"no answer within {waited:.1f} s")
            return SessionError("timeout", f"no answer within {waited:.1f} s", waited=waited)
        self.transcript.note(f"connection closed: {exc}")
        return SessionError("closed", str(exc) or "connection closed", waited=waited)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
