"""tls.starttls (offered, negotiated, TLS ≥ 1.2 — or what the server does speak) and tls.certificate
(trusted, right name, not expired, and which root SAP must import in STRUST)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ssl
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID

from ..catalogue import explain, finding
from ..context import RunContext
from ..findings import Finding, Status
from ..smtp_session import TLS_1_2, SmtpSession, TlsResult
from .tcp import SESSION

# Roots whose thumbprint we know even when the server does not send them (servers rarely send the root).
KNOWN_ROOTS = {
    "DigiCert Global Root G2": "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4",  # Exchange Online (MC1224565)
}
EXPIRY_WARNING_DAYS = 30
# The evidence line that names the root SAP must trust: stored with every result, so a later run (and the
# portal's root-change alert) can read which root the previous run saw.
STRUST_ROOT = "root for STRUST: "
# OpenSSL X509_V_ERR_* codes, grouped by what the helpdesk must hear.
_EXPIRED = {9, 10}  # not yet valid, expired
_NAME = {62, 64}  # hostname mismatch, IP address mismatch
_UNTRUSTED = {2, 18, 19, 20, 21}  # no issuer, self-signed, self-signed in chain, no local issuer, can't verify leaf


def judge_tls(key: str, tls: TlsResult, *, host: str, old_tls_tolerated: bool, evidence: str) -> Finding:
    """What a negotiated (or failed) TLS session means; ``old_tls_tolerated``: old TLS only warns."""
    facts = tls_facts(tls)
    evidence = "\n".join([evidence, *(f"-- {line}" for line in tls.attempts)]).strip()
    if not tls.established:
        code = "tls.starttls_refused" if tls.error_kind == "refused" else "tls.handshake_failed"
        return finding(key, code, summary=f"TLS with {host} failed: {tls.error}", evidence=evidence, facts=facts)
    # An old relay under the customer's control still carries mail; Exchange Online never would.
    lenient = old_tls_tolerated
    if tls.version not in TLS_1_2:
        summary = f"{host} speaks at most {tls.version} ({tls.cipher}); TLS 1.2 or later is required"
        status = Status.WARN if lenient else Status.FAIL
        return finding(key, "tls.version_too_old", status=status, summary=summary, evidence=evidence, facts=facts)
    if tls.legacy:
        summary = f"{host} completes TLS only with legacy settings ({tls.version}, {tls.cipher}): {tls.strict_error}"
        status = Status.WARN if lenient else Status.FAIL
        return finding(key, "tls.legacy_ciphers", status=status, summary=summary, evidence=evidence, facts=facts)
    how = "at connect (implicit TLS)" if tls.implicit else "after STARTTLS"
    note = "" if tls.verified else "; the certificate failed verification (see tls.certificate)"
    summary = f"{tls.version} negotiated {how} ({tls.cipher}){note}"
    return Finding(key, Status.PASS, summary, evidence=evidence, facts=facts)


def tls_facts(tls: TlsResult) -> dict[str, Any]:
    return {"tls": tls, "version": tls.version, "cipher": tls.cipher, "verified": tls.verified}


def check_starttls(
    session: SmtpSession,
    *,
    tls_mode: str,
    mandatory: bool,
    old_tls_tolerated: bool,
    context_factory: Callable[[], ssl.SSLContext],
) -> Finding:
    """``mandatory``: the route refuses to work without TLS (Exchange Online's client submission)."""
    key = "tls.starttls"
    mark = session.transcript.mark()
    required = tls_mode == "starttls" or mandatory
    if tls_mode == "none":
        status = Status.FAIL if mandatory else Status.WARN
        return finding(key, "tls.not_configured", status=status, summary="TLS is switched off (TLS mode 'none')")
    if tls_mode == "implicit":
        if session.tls is None:
            return Finding(
                key, Status.ERROR, "Implicit TLS was not negotiated (smtp.banner did not run)", code="internal"
            )
        return judge_tls(key, session.tls, host=session.host, old_tls_tolerated=old_tls_tolerated, evidence="")
    if "starttls" not in session.features:
        summary = f"{session.host} does not offer STARTTLS"
        status = Status.FAIL if required else Status.WARN
        ehlo = str(session.ehlo_reply or "")
        return finding(key, "tls.starttls_missing", status=status, summary=summary, evidence=f"EHLO: {ehlo}")
    tls = session.negotiate_tls(context_factory)
    evidence = session.transcript.since(mark)
    return judge_tls(key, tls, host=session.host, old_tls_tolerated=old_tls_tolerated, evidence=evidence)


# -- the certificate --------------------------------------------------------------------------
def _name(cert: x509.Certificate, which: str = "subject") -> str:
    """CN, else O (OU): what STRUST shows in its certificate list."""
    name: x509.Name = getattr(cert, which)
    common = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if common:
        return str(common[0].value)
    org = name.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    unit = name.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME)
    if org:
        return str(org[0].value) + (f" ({unit[0].value})" if unit else "")
    return name.rfc4514_string()


def _sha1(cert: x509.Certificate) -> str:
    der = cert.public_bytes(Encoding.DER)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def _names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return [_name(cert)]
    return [*san.get_values_for_type(x509.DNSName), *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]


def _describe(certs: list[x509.Certificate]) -> str:
    return "\n".join(
        f"{i}: {_name(c)} — issued by {_name(c, 'issuer')}; valid {c.not_valid_before_utc:%Y-%m-%d} to "
        f"{c.not_valid_after_utc:%Y-%m-%d}; SHA-1 {_sha1(c)}"
        for i, c in enumerate(certs)
    )


def _root(certs: list[x509.Certificate], *, verified: bool) -> tuple[str, str]:
    """(name, SHA-1) of the root SAP must trust; the SHA-1 is "" when the server didn't send it."""
    top = certs[-1]
    if verified or top.issuer == top.subject:
        return _name(top), _sha1(top)
    issuer = _name(top, "issuer")
    return issuer, KNOWN_ROOTS.get(issuer, "")


def strust_root(evidence: str) -> str:
    """The root a stored tls.certificate result names for STRUST ("DigiCert Global Root G2 (SHA-1 DF3C…)"), or ""."""
    for line in evidence.splitlines():
        if line.startswith(STRUST_ROOT):
            return line.removeprefix(STRUST_ROOT).strip()
    return ""


def check_certificate(
    tls: TlsResult | None, *, host: str, now: dt.datetime, trusted_organizations: frozenset[str] = frozenset()
) -> Finding:
    """``trusted_organizations``: the O= of the CAs this worker trusts, to tell a missing intermediate
    (its organisation's root is trusted) from an unknown root."""
    key = "tls.certificate"
    if tls is None or not tls.established or not tls.chain:
        return Finding(key, Status.SKIPPED, "No TLS session, so no certificate to check.")
    certs = [x509.load_der_x509_certificate(der) for der in tls.chain]
    leaf = certs[0]
    if not tls.verified and tls.verify_code in _UNTRUSTED and _missing_intermediate(certs, trusted_organizations):
        issuer = _name(certs[-1], "issuer")
        facts = {"chain": [_name(c) for c in certs], "root": "", "root_sha1": "", "names": _names(leaf)}
        summary = (
            f"{host} sends its certificate without the intermediate CA '{issuer}' that issued it: the chain "
            "cannot be built to a root. The fix is on that server (send the full chain), not in STRUST"
        )
        evidence = f"{tls.verify_message}\nchain as presented by the server:\n{_describe(certs)}"
        return finding(key, "tls.chain_incomplete", summary=summary, evidence=evidence, facts=facts)
    root, root_sha1 = _root(certs, verified=tls.verified)
    thumb = f" (SHA-1 {root_sha1})" if root_sha1 else ""
    facts = {"chain": [_name(c) for c in certs], "root": root, "root_sha1": root_sha1, "names": _names(leaf)}
    facts["not_after"] = leaf.not_valid_after_utc.isoformat()
    presented = "verified chain" if tls.verified else "chain as presented by the server"
    evidence = f"{presented}:\n{_describe(certs)}\n{STRUST_ROOT}{root}{thumb}"
    if not tls.verified:
        code, summary = _verification_failure(tls, leaf, host=host, root=root, thumb=thumb, now=now)
        return finding(key, code, summary=summary, evidence=f"{tls.verify_message}\n{evidence}", facts=facts)
    left = leaf.not_valid_after_utc - now
    if left.days < EXPIRY_WARNING_DAYS:
        summary = f"The certificate of {host} expires on {leaf.not_valid_after_utc:%Y-%m-%d} ({left.days} days)"
        return finding(key, "tls.certificate_expiring", summary=summary, evidence=evidence, facts=facts)
    exchange = " — DigiCert Global Root G2, Exchange Online's root" if root_sha1 == KNOWN_ROOTS[_G2] else ""
    summary = f"Trusted certificate for {host}; SAP must trust the root '{root}'{thumb}{exchange} in STRUST"
    entry = explain("tls.root_to_import")
    return Finding(
        key, Status.PASS, summary, explanation=entry.cause, remedy=entry.remedy, evidence=evidence, facts=facts
    )


def _verification_failure(
    tls: TlsResult, leaf: x509.Certificate, *, host: str, root: str, thumb: str, now: dt.datetime
) -> tuple[str, str]:
    if tls.verify_code in _EXPIRED or leaf.not_valid_after_utc < now:
        days = (now - leaf.not_valid_after_utc).days
        return (
            "tls.certificate_expired",
            f"The certificate of {host} expired on {leaf.not_valid_after_utc:%Y-%m-%d} ({days} days ago)",
        )
    if tls.verify_code in _NAME:
        return "tls.certificate_name_mismatch", f"The certificate names {', '.join(_names(leaf))}, not {host}"
    if tls.verify_code in _UNTRUSTED and not thumb and root not in KNOWN_ROOTS:
        # The server did not send the certificate it stops at: it may be a root or a missing intermediate.
        return (
            "tls.certificate_untrusted",
            f"The chain {host} sends stops at '{root}', which it did not send and this worker does not trust: if "
            f"'{root}' is a root CA and the server is genuine, SAP needs it in STRUST; if it is an intermediate, the "
            "server must send it with its certificate",
        )
    if tls.verify_code in _UNTRUSTED:
        return (
            "tls.certificate_untrusted",
            f"The chain of {host} ends at '{root}'{thumb}, which is not trusted here; if this server is genuine, "
            "SAP needs that root in STRUST",
        )
    return "tls.certificate_invalid", f"The certificate of {host} failed verification: {tls.verify_message}"


_G2 = "DigiCert Global Root G2"


def _missing_intermediate(certs: list[x509.Certificate], trusted_organizations: frozenset[str]) -> bool:
    """The server sent no CA certificate at all, and the one that issued its certificate belongs to an
    organisation whose root this worker trusts (or the certificate says where its issuer is published):
    then the issuer is an intermediate the server should have sent."""
    top = certs[-1]
    if len(certs) != 1 or top.issuer == top.subject:
        return False
    organizations = top.issuer.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    if organizations and str(organizations[0].value) in trusted_organizations:
        return True
    try:
        access = top.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return False
    return any(item.access_method == x509.AuthorityInformationAccessOID.CA_ISSUERS for item in access)


@functools.lru_cache(maxsize=8)  # contexts are shared and never changed (https_session.shared_trust_context)
def trusted_organizations(context: ssl.SSLContext) -> frozenset[str]:
    """O= of the CA certificates loaded into ``context`` (the system bundle and PORTAL_EXTRA_CA_BUNDLE)."""
    found: set[str] = set()
    for cert in context.get_ca_certs():
        for rdn in cert.get("subject", ()):
            found.update(value for name, value in rdn if name == "organizationName")
    return frozenset(found)


# -- adapters ---------------------------------------------------------------------------------
def trust_store_problem(key: str, context_factory: Callable[[], ssl.SSLContext]) -> Finding | None:
    """An ERROR finding when the portal's own trust store (PORTAL_EXTRA_CA_BUNDLE) can't be loaded."""
    try:
        context_factory()
    except (OSError, ssl.SSLError) as exc:
        return finding(key, "tls.trust_store", summary=f"The portal's trust store can't be loaded: {exc}")
    return None


def _run_starttls(ctx: RunContext) -> Finding:
    session = ctx.shared.get(SESSION)
    if ctx.cancelled.is_set() or session is None:
        return Finding("tls.starttls", Status.SKIPPED, "Skipped: no SMTP session (cancelled or not connected).")
    expect = ctx.expect("tls.starttls")
    if expect.tls not in ("none", "implicit"):
        problem = trust_store_problem("tls.starttls", ctx.ssl_context)
        if problem:
            return problem
    return check_starttls(
        session,
        tls_mode=expect.tls,
        mandatory=expect.tls_mandatory,
        old_tls_tolerated=expect.old_tls_tolerated,
        context_factory=ctx.ssl_context,
    )


def _run_certificate(ctx: RunContext) -> Finding:
    session = ctx.shared.get(SESSION)
    tls = ctx.facts("tls.starttls").get("tls") or (session.tls if session else None)
    host = session.host if session else ctx.expect("tls.certificate").host
    try:
        organizations = trusted_organizations(ctx.ssl_context())
    except (OSError, ssl.SSLError):
        organizations = frozenset()
    return check_certificate(tls, host=host, now=ctx.env.now(), trusted_organizations=organizations)


CHECKS = {"tls.starttls": _run_starttls, "tls.certificate": _run_certificate}
