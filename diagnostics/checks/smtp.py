"""The SMTP conversation, one check per step: smtp.banner, smtp.ehlo, smtp.auth_mechanisms, smtp.auth,
smtp.envelope (MAIL FROM / RCPT TO / RSET: nothing is sent) and send.test (a real message, only when asked).

Every check steps the run's one session (``ctx.shared["smtp"]``, opened by tcp.connect). A failing
AUTH is never retried, and credentials go only over TLS to a server whose certificate verified.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import re
import ssl
import threading
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from connectors.clouds import exchange_online_cloud_of_server

from ..catalogue import finding
from ..context import RunContext
from ..findings import Finding, Status
from ..smtp_session import Reply, SessionError, SmtpSession
from .tcp import SESSION
from .tls import judge_tls, trust_store_problem

_SEEN_IP = re.compile(r"\bHello\s*\[([0-9A-Fa-f:.]+)\]")
_QUEUE_ID = (
    re.compile(r"queued as ([\w.\-]+)", re.I),  # Postfix and most MTAs
    re.compile(r"InternalId=(\d+)"),  # Exchange Online's MX endpoint
    re.compile(r"\[Hostname=([\w.\-]+)\]"),  # Exchange Online client submission: the accepting server
    re.compile(r"\bid=([\w.\-]+)", re.I),  # Exim, Sendmail
)
# The mechanisms each kind of SMTP AUTH can use, in the order they are tried.
AUTH_MECHANISMS = {"xoauth2": ("XOAUTH2",), "password": ("LOGIN", "PLAIN")}
EXCHANGE_BANNER = "Microsoft ESMTP MAIL Service"


def reply_finding(key: str, reply: Reply, *, summary: str, evidence: str, context: str = "", **kw: Any) -> Finding:
    """A refusal named by its enhanced code (or basic code) with the catalogue's meaning and fix."""
    code = reply.enhanced or str(reply.code)
    return finding(key, code, text=reply.text, context=context, summary=summary, evidence=evidence, **kw)


def broken(key: str, exc: SessionError, *, step: str, evidence: str) -> Finding:
    code = {"timeout": "smtp.timeout", "protocol": "smtp.not_smtp"}.get(exc.kind, "smtp.closed")
    return finding(key, code, summary=f"{step}: {exc.detail}", evidence=evidence)


# -- banner and EHLO --------------------------------------------------------------------------
def check_banner(
    session: SmtpSession,
    *,
    implicit_tls: bool,
    old_tls_tolerated: bool,
    context_factory: Callable[[], ssl.SSLContext],
) -> Finding:
    key = "smtp.banner"
    mark = session.transcript.mark()
    if implicit_tls:  # port 465 style: TLS first, then the greeting
        tls = session.negotiate_tls(context_factory, implicit=True)
        if not tls.established:
            evidence = session.transcript.since(mark)
            return judge_tls(key, tls, host=session.host, old_tls_tolerated=old_tls_tolerated, evidence=evidence)
    try:
        reply = session.read_banner()
    except SessionError as exc:
        evidence = session.transcript.since(mark)
        if exc.kind == "timeout":
            summary = f"Connected to {session.host}:{session.port}, but no greeting within {exc.waited:.1f} s"
            return finding(key, "smtp.no_banner", summary=summary, evidence=evidence)
        if exc.kind == "protocol":
            summary = f"{session.host}:{session.port} does not greet in SMTP: {exc.detail}"
            return finding(key, "smtp.not_smtp", summary=summary, evidence=evidence)
        return finding(
            key, "smtp.closed", summary="The server closed the connection before greeting", evidence=evidence
        )
    evidence = session.transcript.since(mark)
    if reply.code == 220:
        server = reply.first_line.split(" ", 1)[0]
        microsoft = EXCHANGE_BANNER in reply.text
        # Exchange Server on-premises greets with the same words; only the server's name tells them apart.
        exchange = microsoft and exchange_online_cloud_of_server(server) is not None
        facts = {"banner": reply.first_line, "exchange": exchange, "exchange_server": microsoft and not exchange}
        facts["server"] = server
        what = " (Exchange Online)" if exchange else ""
        if microsoft and not exchange:
            what = " (Microsoft Exchange Server, not Exchange Online: its name is not one of Microsoft's)"
        return Finding(key, Status.PASS, f"Greeted by {server}{what}", evidence=evidence, facts=facts)
    if reply.code < 0:
        return finding(
            key, "smtp.not_smtp", summary=f"{session.host}:{session.port} does not speak SMTP", evidence=evidence
        )
    return reply_finding(key, reply, summary=f"The server refused the connection: {reply}", evidence=evidence)


def parse_seen_ip(ehlo_text: str) -> str | None:
    """The client IP Exchange reports in '250-host Hello [203.0.113.10]'."""
    found = _SEEN_IP.search(ehlo_text.split("\n", 1)[0])
    return found.group(1) if found else None


def check_ehlo(session: SmtpSession) -> Finding:
    key = "smtp.ehlo"
    mark = session.transcript.mark()
    try:
        reply = session.ehlo()
    except SessionError as exc:
        return broken(key, exc, step="EHLO", evidence=session.transcript.since(mark))
    evidence = session.transcript.since(mark)
    if reply.code != 250:
        return reply_finding(key, reply, summary=f"EHLO refused: {reply}", evidence=evidence)
    seen_ip = parse_seen_ip(reply.text)
    features = dict(session.features)
    facts = {
        "seen_ip": seen_ip,
        "capabilities": features,
        "starttls": "starttls" in features,
        "auth": features.get("auth", "").upper().split(),
        "size": int(features["size"]) if re.fullmatch(r"[0-9]{1,18}", features.get("size", "")) else None,
    }
    offers = ", ".join(sorted(name.upper() for name in features)) or "no extensions"
    seen = f"; it sees this worker as {seen_ip}" if seen_ip else ""
    return Finding(key, Status.PASS, f"EHLO accepted{seen}; offers {offers}", evidence=evidence, facts=facts)


# -- authentication ---------------------------------------------------------------------------
def check_auth_mechanisms(features: Mapping[str, str], *, auth: str, encrypted: bool) -> Finding:
    """``auth``: the SMTP AUTH the route uses ("xoauth2", "password"; "" for none)."""
    key = "smtp.auth_mechanisms"
    offered = features.get("auth", "").upper().split()
    facts = {"mechanisms": offered}
    evidence = f"AUTH {' '.join(offered)}" if offered else "no AUTH in the EHLO reply"
    needed = AUTH_MECHANISMS.get(auth)
    if needed is None:
        summary = "This setup sends without SMTP AUTH" + (f" (server offers {' '.join(offered)})" if offered else "")
        return Finding(key, Status.PASS, summary, evidence=evidence, facts=facts)
    if not offered:
        when = "after STARTTLS" if encrypted else "without TLS (Exchange offers AUTH only after STARTTLS)"
        return finding(key, "smtp.auth_not_offered", summary=f"The server offers no AUTH {when}", evidence=evidence)
    if not any(mechanism in offered for mechanism in needed):
        summary = f"The server offers AUTH {' '.join(offered)}, but not {' or '.join(needed)}, which this setup needs"
        return finding(key, "smtp.auth_mechanism_missing", summary=summary, evidence=evidence, facts=facts)
    usable = next(m for m in needed if m in offered)
    return Finding(
        key,
        Status.PASS,
        f"The server offers AUTH {' '.join(offered)}; {usable} will be used",
        evidence=evidence,
        facts=facts,
    )


def check_auth(
    session: SmtpSession,
    *,
    auth: str,
    user: str,
    secret: str | None = None,
    token: str | None = None,
    claims: Mapping[str, Any] | None = None,
) -> Finding:
    """XOAUTH2 with the token (user = the mailbox) or LOGIN/PLAIN with the password, once; never over
    unverified TLS. ``auth``: "xoauth2", "password", or "" when the route sends without SMTP AUTH."""
    key = "smtp.auth"
    if auth not in AUTH_MECHANISMS:
        return Finding(key, Status.SKIPPED, "This setup sends without SMTP AUTH: nothing to authenticate.")
    tls = session.tls
    if tls is None or not tls.established:
        return finding(key, "smtp.auth_unencrypted", summary="Credentials not sent: the session has no TLS")
    if not tls.verified:
        summary = "Credentials not sent: the server's certificate failed verification (see tls.certificate)"
        return Finding(key, Status.SKIPPED, summary)
    if auth == "xoauth2" and not token:
        return Finding(key, Status.SKIPPED, "Skipped: oauth.token produced no access token.")
    if auth == "password" and not secret:
        return finding(key, "smtp.auth_no_secret", summary=f"No password stored for {user}")
    mark = session.transcript.mark()
    try:
        reply, mechanism = _authenticate(session, auth=auth, user=user, secret=secret, token=token)
    except SessionError as exc:
        return broken(key, exc, step="AUTH", evidence=session.transcript.since(mark))
    evidence = session.transcript.since(mark)
    if reply.code == 235:  # only 235 is success (smtplib's auth() would take a 503 for one)
        return Finding(key, Status.PASS, f"Authenticated as {user} with {mechanism}", evidence=evidence)
    context = "xoauth2" if mechanism == "XOAUTH2" else "basic"
    extra = _claims_hint(claims) if context == "xoauth2" else ""
    summary = f"{mechanism} for {user} refused: {reply}"
    if reply.code // 100 not in (4, 5):
        return finding(key, "smtp.auth_unexpected", summary=summary, evidence=evidence)
    return reply_finding(key, reply, summary=summary, evidence=evidence, context=context, extra=extra)


def _authenticate(
    session: SmtpSession, *, auth: str, user: str, secret: str | None, token: str | None
) -> tuple[Reply, str]:
    if auth == "xoauth2":
        return session.auth_xoauth2(user, token or ""), "XOAUTH2"
    offered = session.features.get("auth", "").upper().split()
    if "LOGIN" not in offered and "PLAIN" in offered:
        return session.auth_plain(user, secret or ""), "PLAIN"
    return session.auth_login(user, secret or ""), "LOGIN"


def _claims_hint(claims: Mapping[str, Any] | None) -> str:
    """What the token itself says about a 5.7.3: the role is the usual suspect."""
    if not claims:
        return ""
    roles = claims.get("roles") or []
    if "SMTP.SendAsApp" not in roles:
        return "This token has no role SMTP.SendAsApp (roles: " + (", ".join(roles) or "none") + ")."
    return f"The token is fine (role SMTP.SendAsApp, app {claims.get('appid') or claims.get('azp')}): look at Exchange's side."


# -- envelope and test send -------------------------------------------------------------------
def check_envelope(session: SmtpSession, *, sender: str, recipient: str, cancelled: threading.Event) -> Finding:
    """MAIL FROM + RCPT TO, then RSET: what Exchange would say to this message, without sending it."""
    key = "smtp.envelope"
    mark = session.transcript.mark()
    try:
        mail = session.command(f"MAIL FROM:<{sender}>")
        rcpt = session.command(f"RCPT TO:<{recipient}>") if mail.code == 250 and not cancelled.is_set() else None
        session.command("RSET")
    except SessionError as exc:
        return broken(key, exc, step="Envelope", evidence=session.transcript.since(mark))
    evidence = session.transcript.since(mark)
    facts = {"sender": sender, "recipient": recipient}
    if mail.code != 250:
        return reply_finding(key, mail, summary=f"MAIL FROM {sender} refused: {mail}", evidence=evidence, facts=facts)
    if rcpt is None:
        return Finding(key, Status.SKIPPED, "Skipped: the run was cancelled.", evidence=evidence)
    if rcpt.code not in (250, 251):
        return reply_finding(key, rcpt, summary=f"RCPT TO {recipient} refused: {rcpt}", evidence=evidence, facts=facts)
    summary = f"The server accepts mail from {sender} to {recipient} (envelope only, then RSET: nothing sent)"
    return Finding(key, Status.PASS, summary, evidence=evidence, facts=facts)


def parse_queue_id(reply_text: str) -> str:
    """The id the server queued the message under (Exchange's client submission names only the server
    that took it: with the Message-ID, that is what message trace and a support ticket need);
    for unknown formats the reply itself."""
    for pattern in _QUEUE_ID:
        found = pattern.search(reply_text)
        if found:
            return found.group(1)
    return re.sub(r"^\s*\d\.\d{1,3}\.\d{1,3}\s*", "", reply_text.split("\n", 1)[0]).strip()[:250]


def build_test_message(
    *, sender: str, recipient: str, subject: str, system_label: str, worker: str, now: dt.datetime
) -> tuple[bytes, str]:
    """A small plain-text message with a unique Message-ID; returns (bytes with CRLF, Message-ID)."""
    domain = sender.rpartition("@")[2] or "mailhealth.invalid"
    message_id = make_msgid(idstring="mailhealth", domain=domain)  # domain given: no slow getfqdn()
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["X-Mailer"] = "SAP Mail Health Portal"
    message.set_content(
        f"Test message for {system_label}, sent by the SAP Mail Health Portal from {worker or 'a worker'} "
        f"at {now:%Y-%m-%d %H:%M:%S %Z}.\nIf you can read this, mail from this system's setup reaches you.\n"
    )
    return message.as_bytes(policy=email.policy.SMTP), message_id


def check_send(
    session: SmtpSession, *, sender: str, recipient: str, message: bytes, message_id: str, subject: str
) -> Finding:
    """A real message; the evidence is the whole session's transcript (AUTH redacted)."""
    key = "send.test"
    facts: dict[str, Any] = {"message_id": message_id, "subject": subject, "queue_id": ""}
    try:
        replies = [session.command(f"MAIL FROM:<{sender}>")]
        if replies[-1].code == 250:
            replies.append(session.command(f"RCPT TO:<{recipient}>"))
        if replies[-1].code in (250, 251):
            replies.append(session.send_message(message))
    except SessionError as exc:
        return broken(key, exc, step="Test send", evidence=session.transcript.text())
    evidence = session.transcript.text()
    last = replies[-1]
    if len(replies) < 3 or last.code != 250:
        summary = f"The test message to {recipient} was refused: {last}"
        return reply_finding(key, last, summary=summary, evidence=evidence, facts=facts)
    facts["queue_id"] = parse_queue_id(last.text)
    summary = f"The server accepted the test message for {recipient} (queue id {facts['queue_id']}, {message_id})"
    return Finding(key, Status.PASS, summary, evidence=evidence, facts=facts)


# -- adapters ---------------------------------------------------------------------------------
def _session(ctx: RunContext, key: str) -> SmtpSession | Finding:
    if ctx.cancelled.is_set():
        return Finding(key, Status.SKIPPED, "Skipped: the run was cancelled.")
    session = ctx.shared.get(SESSION)
    if session is None:
        return Finding(key, Status.ERROR, "No SMTP session: tcp.connect did not run first.", code="internal")
    return session


def _run_banner(ctx: RunContext) -> Finding:
    session = _session(ctx, "smtp.banner")
    if isinstance(session, Finding):
        return session
    expect = ctx.expect("smtp.banner")
    implicit = expect.tls == "implicit"
    problem = trust_store_problem("smtp.banner", ctx.ssl_context) if implicit else None
    if problem:
        return problem
    return check_banner(
        session, implicit_tls=implicit, old_tls_tolerated=expect.old_tls_tolerated, context_factory=ctx.ssl_context
    )


def _run_ehlo(ctx: RunContext) -> Finding:
    session = _session(ctx, "smtp.ehlo")
    return session if isinstance(session, Finding) else check_ehlo(session)


def _run_auth_mechanisms(ctx: RunContext) -> Finding:
    session = _session(ctx, "smtp.auth_mechanisms")
    if isinstance(session, Finding):
        return session
    encrypted = session.tls is not None and session.tls.established
    return check_auth_mechanisms(session.features, auth=ctx.expect("smtp.auth_mechanisms").auth, encrypted=encrypted)


def _run_auth(ctx: RunContext) -> Finding:
    session = _session(ctx, "smtp.auth")
    if isinstance(session, Finding):
        return session
    config, token_facts = ctx.target.config, ctx.facts("oauth.token")
    return check_auth(
        session,
        auth=ctx.expect("smtp.auth").auth,
        user=config.mailbox or config.sender,
        secret=ctx.target.secret,
        token=token_facts.get("access_token"),
        claims=token_facts.get("claims"),
    )


def _run_envelope(ctx: RunContext) -> Finding:
    session = _session(ctx, "smtp.envelope")
    if isinstance(session, Finding):
        return session
    sender = ctx.target.config.sender or ctx.target.config.mailbox
    return check_envelope(session, sender=sender, recipient=ctx.target.recipient, cancelled=ctx.cancelled)


def _run_send(ctx: RunContext) -> Finding:
    if not ctx.target.send_to:
        return Finding("send.test", Status.SKIPPED, "No test message was asked for.")
    session = _session(ctx, "send.test")
    if isinstance(session, Finding):
        return session
    config, now = ctx.target.config, ctx.env.now()
    sender = config.sender or config.mailbox
    subject = ctx.target.subject or f"SAP Mail Health test {config.system_label} {now:%Y-%m-%d %H:%M} UTC"
    message, message_id = build_test_message(
        sender=sender,
        recipient=ctx.target.send_to,
        subject=subject,
        system_label=config.system_label,
        worker=ctx.env.worker,
        now=now,
    )
    return check_send(
        session, sender=sender, recipient=ctx.target.send_to, message=message, message_id=message_id, subject=subject
    )


CHECKS = {
    "smtp.banner": _run_banner,
    "smtp.ehlo": _run_ehlo,
    "smtp.auth_mechanisms": _run_auth_mechanisms,
    "smtp.auth": _run_auth,
    "smtp.envelope": _run_envelope,
    "send.test": _run_send,
}
