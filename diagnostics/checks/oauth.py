"""oauth.token (MSAL client credentials against the tenant's authority) and oauth.claims (what the token says).

Entra's refusals are findings named by their AADSTS code; an unknown tenant makes MSAL's
constructor raise ValueError (during OpenID discovery), so the discovery reply is fetched again to
read its code. The token itself lives only in ``facts`` (memory), never in evidence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import dns.exception
import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.addresses import is_guid
from connectors.clouds import Cloud

from ..catalogue.entra_errors import ENTRIES, describe
from ..context import RunContext
from ..findings import Finding, Status
from ..https_session import HostUnresolved, Resolve, confidential_app, discovery_url, http_session
from .dns import dns_failure, resolve_addresses
from .tls import trust_store_problem

SEND_ROLE = "SMTP.SendAsApp"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"  # Office 365 Exchange Online, a valid aud too
_AADSTS = re.compile(r"AADSTS(\d+)", re.ASCII)


def finding_builder(key: str, **values: Any) -> Callable[..., Finding]:
    def build(status: Status, summary: str, code: str | None, evidence: str = "", facts: dict | None = None) -> Finding:
        explanation, remedy = describe(code, **values) if code else ("", "")
        return Finding(key, status, summary, code, explanation, remedy, evidence, facts=facts or {})

    return build


def entra_code(reply: dict[str, Any]) -> str | None:
    """AADSTS<n> from Entra's error JSON (error_codes, else the description's prefix)."""
    codes = reply.get("error_codes") or []
    if codes:
        return f"AADSTS{codes[0]}"
    match = _AADSTS.search(str(reply.get("error_description", "")))
    return f"AADSTS{match.group(1)}" if match else None


def _entra_refusal(reply: dict[str, Any], *, client_id: str, scope: str, stage: str) -> Finding:
    code = entra_code(reply) or "AADSTS"
    finding = finding_builder("oauth.token", client_id=client_id, scope=scope, number=code.removeprefix("AADSTS"))
    # The first sentence of Entra's text, without trace and correlation IDs (kept in evidence).
    description = str(reply.get("error_description", reply.get("error", "")))
    first = description.split(" Trace ID:")[0]
    meaning = ENTRIES.get(code, {}).get("meaning", first)
    summary = f"Entra ID refused the {stage}: {code} {meaning.rstrip('.')}"
    built = finding(Status.FAIL, summary, code, f"{reply.get('error', '')}: {description}")
    return built if code in ENTRIES else replace(built, explanation=first)


def _unresolved(exc: BaseException) -> HostUnresolved | None:
    """The HostUnresolved inside requests' ConnectionError(MaxRetryError(reason=...)), if that is the cause."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None or isinstance(seen, HostUnresolved):
            return seen
        reason = getattr(seen, "reason", None)  # urllib3's MaxRetryError; ssl.SSLError's is a string
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = reason if isinstance(reason, BaseException) else inner or seen.__cause__
    return None


def _unresolved_finding(unresolved: HostUnresolved, login_host: str) -> Finding:
    """The login host (or the proxy) is unknown to the resolver the diagnosis uses (PORTAL_DNS_NAMESERVERS)."""
    code, words = (
        dns_failure(unresolved.error) if isinstance(unresolved.error, dns.exception.DNSException) else ("", "")
    )
    name = unresolved.name
    what = name if name.rstrip(".").lower() == login_host.lower() else f"The proxy {name}"
    finding = finding_builder("oauth.token", host=name)
    evidence = f"{name}: {code or 'dns'} ({type(unresolved.error).__name__})"
    return finding(Status.FAIL, f"{what} {words or 'does not resolve'}", "oauth.login_host_unresolved", evidence)


def _transport_failure(exc: requests.RequestException, authority: str) -> Finding:
    host = urlsplit(authority).netloc
    unresolved = _unresolved(exc)
    if unresolved is not None:
        return _unresolved_finding(unresolved, urlsplit(authority).hostname or host)
    finding = finding_builder("oauth.token", host=host)
    if isinstance(exc, requests.exceptions.SSLError):
        return finding(Status.FAIL, f"{host}'s TLS certificate is not trusted", "oauth.tls_untrusted", str(exc)[:300])
    if isinstance(exc, requests.Timeout):
        return finding(Status.FAIL, f"{host} did not answer in time", "oauth.timeout", str(exc)[:300])
    return finding(Status.FAIL, f"{host} could not be reached over HTTPS", "oauth.unreachable", str(exc)[:300])


def _discovery_failure(session: requests.Session, authority: str, *, client_id: str, scope: str) -> Finding:
    """MSAL's constructor said ValueError: ask the discovery endpoint ourselves what Entra objected to."""
    try:
        response = session.get(discovery_url(authority))
    except requests.RequestException as exc:
        return _transport_failure(exc, authority)
    try:
        reply = response.json()
    except ValueError:
        reply = {}
    if not isinstance(reply, dict) or not entra_code(reply):
        finding = finding_builder("oauth.token", host=urlsplit(authority).netloc)
        evidence = f"HTTP {response.status_code} from {discovery_url(authority)}: {response.text[:200]}"
        return finding(
            Status.FAIL, "The login host's OpenID discovery is not Entra ID's", "oauth.unexpected_reply", evidence
        )
    return _entra_refusal(reply, client_id=client_id, scope=scope, stage="tenant lookup")


def check_oauth_token(
    *,
    client_id: str,
    credential: str | dict[str, str],
    authority: str,
    scope: str,
    session: requests.Session,
) -> Finding:
    """``credential``: the client secret, or MSAL's certificate dict (private_key + public_certificate)."""
    problem = certificate_problem(credential) if isinstance(credential, dict) else None
    if problem:
        finding = finding_builder("oauth.token", client_id=client_id)
        return finding(
            Status.FAIL, f"The stored certificate credential is unusable: {problem}", "certificate.unreadable"
        )
    try:
        app = confidential_app(client_id, credential, authority=authority, session=session)
    except requests.RequestException as exc:
        return _transport_failure(exc, authority)
    except ValueError:
        return _discovery_failure(session, authority, client_id=client_id, scope=scope)
    try:
        reply = app.acquire_token_for_client(scopes=[scope])
    except requests.RequestException as exc:
        return _transport_failure(exc, authority)
    if "access_token" not in reply:
        return _entra_refusal(reply, client_id=client_id, scope=scope, stage="token request")
    token = reply["access_token"]
    try:  # read, not verified: only Exchange Online can verify its tokens, oauth.claims just inspects them
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.DecodeError:
        claims = {}  # an opaque token: oauth.claims has nothing to inspect
    evidence = (
        f"token for {scope} from {authority}, expires in {reply.get('expires_in', '?')} s, "
        f"roles {claims.get('roles', [])}, tid {claims.get('tid', '?')}"
    )
    facts = {"access_token": token, "claims": claims}
    return Finding("oauth.token", Status.PASS, f"Entra ID issued a token for {scope}", evidence=evidence, facts=facts)


def certificate_facts(certificate_pem: str) -> tuple[str, dt.datetime]:
    """(SHA-1 thumbprint as Entra shows it, expiry) of a PEM certificate; raises ValueError if unreadable."""
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    return cert.fingerprint(hashes.SHA1()).hex().upper(), cert.not_valid_after_utc  # noqa: S303 - Entra's thumbprint


def certificate_problem(credential: dict[str, str]) -> str | None:
    """Why MSAL could not sign a client assertion with this key and certificate, checked before it tries."""
    try:
        cert = x509.load_pem_x509_certificate(credential["public_certificate"].encode())
        key = serialization.load_pem_private_key(credential["private_key"].encode(), password=None)
    except (ValueError, TypeError) as exc:
        return f"not a PEM certificate and unencrypted PEM key ({exc})"
    if not isinstance(key, rsa.RSAPrivateKey):
        return "Entra ID client assertions need an RSA key"
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        return "the private key does not belong to the certificate"
    return None


def check_certificate_without_key(*, certificate_pem: str | None, thumbprint: str, client_id: str) -> Finding:
    """JWT bearer with SAP's key: the portal cannot sign; it checks the certificate it was given instead."""
    finding = finding_builder("oauth.token", client_id=client_id)
    if not certificate_pem:
        return finding(
            Status.SKIPPED,
            "The JWT private key stays in SAP; no certificate is stored to check either",
            "certificate.no_private_key",
        )
    try:
        actual, expires = certificate_facts(certificate_pem)
    except ValueError as exc:
        return finding(Status.FAIL, f"The stored certificate cannot be read: {exc}", "certificate.unreadable")
    evidence = f"certificate thumbprint {actual}, valid until {expires:%Y-%m-%d}"
    wanted = thumbprint.replace(":", "").replace(" ", "").upper()
    if wanted and wanted != actual:
        return finding(
            Status.FAIL,
            f"The stored certificate ({actual}) is not the configured one ({wanted})",
            "certificate.thumbprint_mismatch",
            evidence,
        )
    return finding(
        Status.SKIPPED,
        f"The JWT private key stays in SAP, so no token was requested; certificate {actual} checked instead",
        "certificate.no_private_key",
        evidence,
    )


def check_oauth_claims(
    claims: dict[str, Any] | None, *, tenant: str, cloud: Cloud, client_id: str, now: dt.datetime
) -> Finding:
    if not claims:
        return Finding("oauth.claims", Status.SKIPPED, "No token to inspect: oauth.token did not issue one")
    resource = cloud.scope.removesuffix("/.default")
    finding = finding_builder("oauth.claims", client_id=client_id, scope=cloud.scope)
    roles = claims.get("roles") or []
    evidence = f"aud {claims.get('aud')}, tid {claims.get('tid')}, appid {claims.get('appid')}, roles {roles}"
    if claims.get("aud") not in (resource, EXCHANGE_APP_ID, f"{resource}/"):
        return finding(
            Status.FAIL, f"The token is for {claims.get('aud')}, not {resource}", "oauth.wrong_audience", evidence
        )
    if is_guid(tenant) and str(claims.get("tid", "")).lower() != tenant.lower():
        return finding(
            Status.FAIL,
            f"The token comes from tenant {claims.get('tid')}, not {tenant}",
            "oauth.wrong_tenant",
            evidence,
        )
    if SEND_ROLE not in roles:
        return finding(
            Status.FAIL,
            f"The token lacks the {SEND_ROLE} role (roles: {roles or 'none'})",
            "oauth.no_smtp_role",
            evidence,
        )
    expires = dt.datetime.fromtimestamp(int(claims.get("exp", 0)), dt.UTC)
    if expires <= now:
        return finding(Status.FAIL, f"The token expired at {expires:%H:%M:%S} UTC", "oauth.token_expired", evidence)
    return finding(
        Status.PASS, f"The token carries {SEND_ROLE} for {resource}, valid until {expires:%H:%M} UTC", None, evidence
    )


# -- adapters for the runner ---------------------------------------------------------------------------
def _credential(ctx: RunContext) -> str | dict[str, str] | None:
    target = ctx.target
    if target.config.credential == "certificate":
        if target.private_key_pem and target.certificate_pem:
            return {"private_key": target.private_key_pem, "public_certificate": target.certificate_pem}
        return None
    return target.secret


def run_resolver(ctx: RunContext) -> Resolve:
    """The login host (or the proxy) looked up like every other name of the run: PORTAL_DNS_NAMESERVERS."""
    resolver = ctx.resolver()

    def resolve(name: str) -> list[str]:
        return resolve_addresses(name, resolver, ctx.env.timeout)[0]

    return resolve


def _oauth_token(ctx: RunContext) -> Finding:
    config, env = ctx.target.config, ctx.env
    credential = _credential(ctx)
    if config.credential == "certificate" and credential is None:
        return check_certificate_without_key(
            certificate_pem=ctx.target.certificate_pem,
            thumbprint=config.certificate_thumbprint,
            client_id=config.client_id,
        )
    if not (config.tenant and config.client_id and credential):
        finding = finding_builder("oauth.token")
        return finding(Status.FAIL, "Tenant, client ID or credential is missing", "oauth.incomplete_setup")
    problem = trust_store_problem("oauth.token", ctx.ssl_context)
    if problem:
        return problem
    session = http_session(
        timeout=env.timeout,
        extra_ca_bundle=env.extra_ca_bundle,
        https_proxy=env.https_proxy,
        resolve=run_resolver(ctx),
    )
    ctx.on_close(session.close)
    return check_oauth_token(
        client_id=config.client_id,
        credential=credential,
        authority=ctx.target.cloud.authority(config.tenant, env.login_base),
        scope=ctx.target.cloud.scope,
        session=session,
    )


def _oauth_claims(ctx: RunContext) -> Finding:
    config = ctx.target.config
    return check_oauth_claims(
        ctx.facts("oauth.token").get("claims"),
        tenant=config.tenant,
        cloud=ctx.target.cloud,
        client_id=config.client_id,
        now=ctx.env.now(),
    )


CHECKS: dict[str, Callable[[RunContext], Finding]] = {"oauth.token": _oauth_token, "oauth.claims": _oauth_claims}
