"""The lab's Entra ID stand-in: OpenID discovery and the v2.0 token endpoint over HTTPS.

Real MSAL talks to it (with ``instance_discovery=False``): MSAL fetches
``/<tenant>/v2.0/.well-known/openid-configuration`` when the app is built and then POSTs the
client-credentials grant to the ``token_endpoint`` it names (always the tenant's GUID). Errors use
Entra's JSON shape and texts (``error``, ``error_description`` starting with the AADSTS code,
``error_codes``). Access tokens are RS256 JWTs like Exchange Online's; the lab SMTP server checks
them with ``validate_token``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .dns import LAB_LOGIN_HOST
from .pki import LabPki

EXCHANGE_RESOURCE = "https://outlook.office365.com"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"  # Office 365 Exchange Online
TOKEN_LIFETIME = 3599
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)


def thumbprints(certificate_pem: str | bytes) -> tuple[str, str]:
    """(SHA-1 hex, SHA-256 hex) of a PEM certificate: what Entra shows and what x5t/x5t#S256 encode."""
    data = certificate_pem.encode() if isinstance(certificate_pem, str) else certificate_pem
    der = x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der).hexdigest().upper(), hashlib.sha256(der).hexdigest().upper()  # noqa: S324 - x5t is SHA-1


def make_jwt_certificate(common_name: str = "SAP OA2CJC", *, days: int = 365, expired: bool = False) -> tuple[str, str]:
    """A self-signed RSA certificate like the one SAP exports from STRUST (SSF OA2CJC): (key PEM, cert PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    start, end = (
        (now - dt.timedelta(days=days + 3), now - dt.timedelta(days=3))
        if expired
        else (now, now + dt.timedelta(days=days))
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - dt.timedelta(minutes=5))
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem.decode(), cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class LabTenant:
    tenant_id: str
    domains: set[str] = field(default_factory=set)


@dataclass
class LabApp:
    tenant_id: str
    client_id: str
    secret: str | None = field(default=None, repr=False)
    secret_expired: bool = False
    certificates: list[str] = field(default_factory=list)  # PEM; JWT bearer keys registered on the app
    roles: tuple[str, ...] = ("SMTP.SendAsApp",)
    disabled: bool = False
    forced_error: int | None = None  # answer every token request with this AADSTS code
    display_name: str = "SAP mail"

    def certificate_for(self, x5t: str | None, x5t_s256: str | None) -> str | None:
        for pem in self.certificates:
            sha1, sha256 = thumbprints(pem)
            if (x5t and _b64url_hex(x5t) == sha1) or (x5t_s256 and _b64url_hex(x5t_s256) == sha256):
                return pem
        return None


def _b64url_hex(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex().upper()
    except ValueError:
        return ""


class EntraError(Exception):
    """A token or discovery error, rendered in Entra's JSON shape."""

    def __init__(self, status: int, error: str, code: int, text: str) -> None:
        super().__init__(text)
        self.status, self.error, self.code, self.text = status, error, code, text

    def body(self) -> dict[str, Any]:
        trace, correlation = uuid.uuid4(), uuid.uuid4()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.text} Trace ID: {trace} "
            f"Correlation ID: {correlation} Timestamp: {stamp}",
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": str(trace),
            "correlation_id": str(correlation),
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }


# Entra's texts for the faults the lab plays (client-credentials grant).
_TEXTS: dict[int, tuple[int, str, str]] = {
    90002: (
        400,
        "invalid_tenant",
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud. Check with your subscription administrator, this may happen if there "
        "are no active subscriptions for the tenant.",
    ),
    900023: (
        400,
        "invalid_request",
        "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain.",
    ),
    700016: (
        400,
        "unauthorized_client",
        "Application with identifier '{client_id}' was not found in the directory "
        "'{tenant}'. This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You may have sent your authentication request to the "
        "wrong tenant.",
    ),
    7000112: (400, "unauthorized_client", "Application '{client_id}'(SAP mail) is disabled."),
    7000215: (
        401,
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the request is "
        "the client secret value, not the client secret ID, for a secret added to app '{client_id}'.",
    ),
    7000222: (
        401,
        "invalid_client",
        "The provided client secret keys for app '{client_id}' are expired. Visit the "
        "Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using "
        "certificate credentials for added security: https://aka.ms/certCreds.",
    ),
    7000218: (
        400,
        "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
    700027: (
        401,
        "invalid_client",
        "The certificate with identifier used to sign the client assertion is not "
        "registered on application. [Reason - The key was not found., Thumbprint of key used by client: "
        "'{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see "
        "configured keys for app Id '{client_id}'.]",
    ),
    700024: (400, "invalid_client", "Client assertion is not within its valid time range."),
    1002012: (
        400,
        "invalid_scope",
        "The provided value for scope {scope} is not valid. Client credential flows must "
        "have a scope value with /.default suffixed to the resource identifier (application ID URI).",
    ),
    500011: (
        400,
        "invalid_resource",
        "The resource principal named {resource} was not found in the tenant named "
        "{tenant}. This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You might have sent your authentication request to "
        "the wrong tenant.",
    ),
    70003: (400, "unsupported_grant_type", "The app requested an unsupported grant type '{grant_type}'."),
    53003: (
        400,
        "access_denied",
        "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
    ),
    650057: (
        400,
        "invalid_client",
        "Invalid resource. The client has requested access to a resource which is not "
        "listed in the requested permissions in the client's application registration.",
    ),
}


def entra_error(code: int, **values: str) -> EntraError:
    status, error, text = _TEXTS[code]
    return EntraError(status, error, code, text.format_map(_Blank(values)))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class LabEntra:
    """HTTPS on loopback; ``port=0`` picks a free port. ``base_url`` is PORTAL_LOGIN_AUTHORITY_HOST.

    The certificate also names LAB_LOGIN_HOST (``lab_url``), a name only the lab DNS resolves, and
    the endpoints a reply names use the host the client asked for (its Host header), as Entra does.
    """

    def __init__(self, pki: LabPki, host: str = "localhost", port: int = 0) -> None:
        self.pki = pki
        self.host = host
        self._requested_port = port
        self.tenants: dict[str, LabTenant] = {}
        self.apps: dict[tuple[str, str], LabApp] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path): what clients asked for
        self._lock = threading.Lock()
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_hex(8)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- directory ------------------------------------------------------------------------------
    def add_tenant(self, *domains: str, tenant_id: str | None = None) -> str:
        """A tenant with its verified domains; returns its GUID."""
        with self._lock:
            tid = (tenant_id or str(uuid.uuid4())).lower()
            tenant = self.tenants.setdefault(tid, LabTenant(tid))
            tenant.domains.update(d.lower() for d in domains)
            return tid

    def register_app(
        self,
        tenant: str,
        client_id: str,
        *,
        secret: str | None = None,
        secret_expired: bool = False,
        certificate_pem: str | None = None,
        roles: tuple[str, ...] = ("SMTP.SendAsApp",),
        disabled: bool = False,
        forced_error: int | None = None,
    ) -> LabApp:
        """Register an app; an unknown tenant (GUID or domain) is created on the way."""
        known = self.tenant_id(tenant)
        tid = known or (self.add_tenant(tenant_id=tenant) if _GUID.match(tenant) else self.add_tenant(tenant))
        app = LabApp(
            tid,
            client_id.lower(),
            secret=secret,
            secret_expired=secret_expired,
            certificates=[certificate_pem] if certificate_pem else [],
            roles=tuple(roles),
            disabled=disabled,
            forced_error=forced_error,
        )
        with self._lock:
            self.apps[(tid, app.client_id)] = app
        return app

    def tenant_id(self, tenant: str) -> str | None:
        name = tenant.lower()
        with self._lock:
            if name in self.tenants:
                return name
            return next((t.tenant_id for t in self.tenants.values() if name in t.domains), None)

    # -- tokens ---------------------------------------------------------------------------------
    def issue_token(self, app: LabApp, resource: str = EXCHANGE_RESOURCE) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{app.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME,
            "appid": app.client_id,
            "appidacr": "2" if app.certificates else "1",
            "idtyp": "app",
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{app.tenant_id}:{app.client_id}")),
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{app.tenant_id}:{app.client_id}")),
            "tid": app.tenant_id,
            "ver": "1.0",
        }
        if app.roles:  # Entra leaves the claim out when the app holds no application permission
            claims["roles"] = list(app.roles)
        return jwt.encode(claims, self._signing_key, algorithm="RS256", headers={"kid": self.key_id})

    def validate_token(self, token: str, *, audience: str = EXCHANGE_RESOURCE) -> dict[str, Any]:
        """The token's claims; raises ``jwt.InvalidTokenError`` on a bad signature, audience or expiry."""
        return jwt.decode(
            token,
            self._signing_key.public_key(),
            algorithms=["RS256"],
            audience=[audience, EXCHANGE_APP_ID],
            options={"require": ["exp", "tid", "appid"]},
        )

    def jwks(self) -> dict[str, Any]:
        numbers = self._signing_key.public_key().public_numbers()

        def b64(n: int) -> str:
            return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

        return {"keys": [{"kty": "RSA", "use": "sig", "kid": self.key_id, "n": b64(numbers.n), "e": b64(numbers.e)}]}

    # -- server ---------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LabEntra is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def lab_url(self) -> str:
        """The base URL by the lab's own name (the "lab" cloud's login host, resolved by the lab DNS)."""
        return f"https://{LAB_LOGIN_HOST}:{self.port}"

    def base_for(self, host_header: str | None) -> str:
        """The base URL the client used, when it is one of the lab's names; else ``base_url``. Its port too:
        a client that came through a proxy (benchmarks/latency_proxy.py) is sent back through it."""
        name, _, port = (host_header or "").rpartition(":")
        if not name or not port.isascii() or not port.isdigit():
            name, port = host_header or "", str(self.port)
        if name.lower() in (self.host, LAB_LOGIN_HOST, "127.0.0.1"):
            return f"https://{name.lower()}:{port}"
        return self.base_url

    def start(self) -> LabEntra:
        names = dict.fromkeys((self.host, LAB_LOGIN_HOST, "127.0.0.1"))  # ordered, without duplicates
        cert_path, key_path = self.pki.cert_files(*names, name="lab-entra")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_path, key_path)
        bind = "127.0.0.1" if self.host == "localhost" else self.host
        server = _QuietServer((bind, self._requested_port), _EntraHandler)
        # Handshake in the handler thread, not in accept(): a stalled client must not block the lab.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.entra = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="lab-entra", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> LabEntra:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- endpoints (called by the handler) ------------------------------------------------------
    def discovery(self, tenant: str, base_url: str | None = None) -> dict[str, Any]:
        tid = self._known_tenant(tenant)
        base = f"{base_url or self.base_url}/{tid}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "lab.test",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }

    def _known_tenant(self, tenant: str) -> str:
        if not (_GUID.match(tenant) or _DOMAIN.match(tenant)):
            raise entra_error(900023, tenant=tenant)
        tid = self.tenant_id(tenant)
        if tid is None:
            raise entra_error(90002, tenant=tenant)
        return tid

    def token(self, tenant: str, form: dict[str, str], base_url: str | None = None) -> dict[str, Any]:
        tid = self._known_tenant(tenant)
        if form.get("grant_type") != "client_credentials":
            raise entra_error(70003, grant_type=form.get("grant_type", ""))
        client_id = form.get("client_id", "").lower()
        with self._lock:
            app = self.apps.get((tid, client_id))
        if app is None:
            raise entra_error(700016, client_id=client_id, tenant=tid)
        if app.disabled:
            raise entra_error(7000112, client_id=client_id)
        self._authenticate(app, form, f"{base_url or self.base_url}/{tid}/oauth2/v2.0/token")
        resource = self._resource(form.get("scope", ""), tid)
        if app.forced_error:
            raise entra_error(app.forced_error, client_id=client_id, tenant=tid)
        token = self.issue_token(app, resource)
        return {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "ext_expires_in": TOKEN_LIFETIME,
            "access_token": token,
        }

    def _authenticate(self, app: LabApp, form: dict[str, str], token_endpoint: str) -> None:
        if form.get("client_assertion"):
            self._check_assertion(app, form["client_assertion"], token_endpoint)
        elif form.get("client_secret"):
            if app.secret is None or not secrets.compare_digest(form["client_secret"], app.secret):
                raise entra_error(7000215, client_id=app.client_id)
            if app.secret_expired:
                raise entra_error(7000222, client_id=app.client_id)
        else:
            raise entra_error(7000218)

    def _check_assertion(self, app: LabApp, assertion: str, token_endpoint: str) -> None:
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError:
            raise entra_error(700027, client_id=app.client_id) from None
        pem = app.certificate_for(header.get("x5t"), header.get("x5t#S256"))
        thumbprint = _b64url_hex(header.get("x5t", "") or header.get("x5t#S256", ""))
        if pem is None:
            raise entra_error(700027, client_id=app.client_id, thumbprint=thumbprint)
        key = x509.load_pem_x509_certificate(pem.encode()).public_key()
        try:
            jwt.decode(assertion, key, algorithms=["RS256", "PS256"], audience=token_endpoint, issuer=app.client_id)
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
            raise entra_error(700024) from None
        except jwt.InvalidTokenError:
            raise entra_error(700027, client_id=app.client_id, thumbprint=thumbprint) from None

    def _resource(self, scope: str, tid: str) -> str:
        first = scope.split()[0] if scope.split() else ""
        if not first.endswith("/.default"):
            raise entra_error(1002012, scope=scope)
        resource = first.removesuffix("/.default")
        if resource not in (EXCHANGE_RESOURCE, EXCHANGE_APP_ID):
            raise entra_error(500011, resource=resource, tenant=tid)
        return EXCHANGE_RESOURCE


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that distrusts the lab CA or hangs up is the case under test, not a lab failure


class _EntraHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LabEntra/1.0"

    @property
    def entra(self) -> LabEntra:
        return self.server.entra  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # quiet; the request list is the log

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = urlsplit(self.path).path
        self._record("GET", path)
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            self._answer(lambda: self.entra.discovery(parts[0], self.entra.base_for(self.headers.get("Host"))))
        elif len(parts) == 4 and parts[1:] == ["discovery", "v2.0", "keys"]:
            self._answer(self.entra.jwks)
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        self._record("POST", path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            self._answer(lambda: self.entra.token(parts[0], form, self.entra.base_for(self.headers.get("Host"))))
        else:
            self._send(404, {"error": "not_found"})

    def _record(self, method: str, path: str) -> None:
        with self.entra._lock:
            self.entra.requests.append((method, path))

    def _answer(self, produce: Any) -> None:
        try:
            self._send(200, produce())
        except EntraError as exc:
            self._send(exc.status, exc.body())

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store, no-cache")
        self.end_headers()
        self.wfile.write(data)
