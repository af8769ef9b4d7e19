"""MSAL for a diagnosis: a fresh ConfidentialClientApplication over an HTTP session we control.

Why not MSAL's own session: it sets no timeout on a custom http_client, and requests lets
REQUESTS_CA_BUNDLE (set on these machines, and on many corporate hosts) replace ``verify`` — the
extra CA of PORTAL_EXTRA_CA_BUNDLE would silently stop being trusted. So the session ignores the
process environment (``trust_env=False``), takes its proxy from PORTAL_HTTPS_PROXY, verifies with
an in-memory SSL context (system store plus the extra bundle; no CA file written anywhere), bounds
every request with the timeout, and — given ``resolve`` — looks host names up through the run's
resolver (PORTAL_DNS_NAMESERVERS) instead of the operating system's. Behind a proxy only the
proxy's name is looked up here; the proxy resolves the login host.

All of it goes through requests' transport adapter, the extension point requests documents for
subclassing (``send``, ``init_poolmanager``, ``proxy_manager_for``, ``cert_verify``,
``build_connection_pool_key_attributes``): the adapter resolves the name itself, sends the request
to the address with the name in the Host header, and has urllib3 verify the certificate against
the name through its ``server_hostname`` pool argument. Nothing of urllib3 is overridden.
"""

from __future__ import annotations

import functools
import importlib.util
import ipaddress
import os
import ssl
import sys
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dns.exception
import dns.resolver
import msal
import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, select_proxy
from urllib3.exceptions import NewConnectionError

Resolve = Callable[[str], list[str]]  # host name -> addresses; raises dns.exception.DNSException
MAX_ADDRESSES = 3  # as tcp.connect: a few addresses, each may cost a full timeout


class HostUnresolved(OSError):
    """The run's resolver could not resolve ``name`` (``error``: dnspython's NXDOMAIN, Timeout...)."""

    def __init__(self, name: str, error: dns.exception.DNSException) -> None:
        super().__init__(f"{name} could not be resolved: {type(error).__name__}: {error}")
        self.name = name
        self.error = error


def literal_addresses(name: str) -> list[str] | None:
    """Addresses of a name no DNS server is asked about: IP literals and ``localhost`` (RFC 6761)."""
    bare = name.strip("[]").rstrip(".").lower()
    try:
        return [str(ipaddress.ip_address(bare))]
    except ValueError:
        pass
    if bare == "localhost" or bare.endswith(".localhost"):
        return ["127.0.0.1"]
    return None


def _with_host(url: str, address: str) -> str:
    """``url`` with its host replaced by ``address`` (user info and port kept)."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    host = f"[{address}]" if ":" in address else address
    netloc = (f"{userinfo}@" if userinfo else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the connection itself failed (refused, unreachable): the request never left."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


class _TrustingAdapter(HTTPAdapter):
    """Verifies with our SSL context only (never certifi's file) and, given ``resolve``, uses the run's DNS."""

    def __init__(self, context: ssl.SSLContext, resolve: Resolve | None) -> None:
        self._context = context
        self._resolve = resolve
        super().__init__()

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, ssl_context=self._context, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        return super().proxy_manager_for(proxy, ssl_context=self._context, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would point ca_certs at certifi's file, and urllib3 would load it into our context.
        super().cert_verify(conn, url, verify, cert)
        if verify:
            conn.ca_certs = conn.ca_cert_dir = None

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        name = request.headers.get("Host", "")
        if name and host_params["scheme"] == "https" and literal_addresses(host_params["host"] or ""):
            # Sent to the address ``send`` resolved: TLS still names, and verifies, the host asked for.
            pool_kwargs["server_hostname"] = name.rpartition(":")[0] or name
        return host_params, pool_kwargs

    def send(self, request: PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self._resolve is None:
            return super().send(request, **kwargs)
        proxies = kwargs.get("proxies") or {}
        proxy = select_proxy(request.url or "", proxies)
        if proxy:  # only the proxy's name is ours to look up; the proxy resolves the login host
            address = self._addresses(request, urlsplit(proxy).hostname or "")[0]
            kwargs["proxies"] = {
                key: _with_host(value, address) if value == proxy else value for key, value in proxies.items()
            }
            return super().send(request, **kwargs)
        url = urlsplit(request.url or "")
        if literal_addresses(url.hostname or "") is not None:
            return super().send(request, **kwargs)
        failure: requests.ConnectionError | None = None
        for address in self._addresses(request, url.hostname or "")[:MAX_ADDRESSES]:
            attempt = request.copy()
            attempt.url = _with_host(request.url or "", address)
            attempt.headers["Host"] = url.netloc.rpartition("@")[2]
            try:
                response = super().send(attempt, **kwargs)
            except requests.ConnectionError as exc:
                # Refused or unreachable: the request never left, so the next address may have it.
                # A connect timeout is not tried again elsewhere: each costs a full timeout.
                if isinstance(exc, requests.ConnectTimeout) or not _never_connected(exc):
                    raise
                failure = exc
                continue
            response.url, response.request = request.url or "", request
            return response
        assert failure is not None  # _addresses never returns an empty list
        raise failure

    def _addresses(self, request: PreparedRequest, name: str) -> list[str]:
        """``name``'s addresses from the run's resolver; an unknown name is a ConnectionError(HostUnresolved)."""
        addresses = literal_addresses(name)
        if addresses is not None:
            return addresses
        assert self._resolve is not None
        try:
            addresses = self._resolve(name)
        except dns.exception.DNSException as exc:
            raise requests.ConnectionError(HostUnresolved(name, exc), request=request) from exc
        if not addresses:
            raise requests.ConnectionError(HostUnresolved(name, dns.resolver.NoAnswer()), request=request)
        return addresses


class BoundedSession(requests.Session):
    """A requests session whose every request has a timeout and our trust, whatever the caller passes."""

    def __init__(
        self,
        *,
        timeout: float,
        context: ssl.SSLContext,
        https_proxy: str | None = None,
        resolve: Resolve | None = None,
    ) -> None:
        super().__init__()
        self.trust_env = False  # REQUESTS_CA_BUNDLE / HTTPS_PROXY from the environment do not decide
        self.verify = True  # with the adapter's context
        self.timeout = timeout
        adapter = _TrustingAdapter(context, resolve)
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        if https_proxy:
            self.proxies = {"https": https_proxy, "http": https_proxy}

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = self.timeout  # MSAL passes none
        kwargs["verify"] = True
        return super().request(method, url, *args, **kwargs)


def trust_context(extra_ca_bundle: str | None) -> ssl.SSLContext:
    """System store plus ``extra_ca_bundle``, in memory; raises OSError / ssl.SSLError for an unreadable bundle."""
    context = ssl.create_default_context()
    if extra_ca_bundle:
        context.load_verify_locations(cafile=extra_ca_bundle)
    return context


def shared_trust_context(extra_ca_bundle: str | None) -> ssl.SSLContext:
    """``trust_context``, loaded once per process and version of the bundle file, and shared by every run.

    Loading the system store parses every CA certificate: 17-40 ms of CPU on Debian's 144, several times per
    diagnosis, which made the store, not the network, what limited a sweep (benchmarks/sweep_throughput.py).
    An SSLContext may be shared by threads as long as nobody changes it: whoever needs another configuration
    (smtp_session's probes of a failing server) builds their own. A bundle that cannot be read is never cached.
    """
    stamp = os.stat(extra_ca_bundle).st_mtime_ns if extra_ca_bundle else 0
    return _loaded_trust(extra_ca_bundle, stamp)


@functools.lru_cache(maxsize=8)
def _loaded_trust(extra_ca_bundle: str | None, stamp: int) -> ssl.SSLContext:
    return trust_context(extra_ca_bundle)


def http_session(
    *, timeout: float, extra_ca_bundle: str | None, https_proxy: str | None, resolve: Resolve | None = None
) -> BoundedSession:
    """``resolve``: the run's DNS (see ``Resolve``); None leaves host names to the operating system."""
    return BoundedSession(
        timeout=timeout, context=shared_trust_context(extra_ca_bundle), https_proxy=https_proxy, resolve=resolve
    )


def confidential_app(
    client_id: str,
    credential: str | dict[str, str],
    *,
    authority: str,
    session: requests.Session,
) -> msal.ConfidentialClientApplication:
    """A new app per diagnosis: MSAL caches identical 400 replies (60 s) per instance, and a diagnosis must ask
    Entra again, so that a secret fixed a minute ago is seen at once.

    The constructor reads the tenant's OpenID discovery document (raising ValueError for an unknown tenant);
    a document that was read is kept per process for an hour (``_RemembersDiscovery``). Instance discovery is
    off: the authority's host comes from our cloud table or PORTAL_LOGIN_AUTHORITY_HOST, so asking
    login.microsoftonline.com to validate it adds a call to the wrong cloud at worst (and to a host that does
    not know the lab).
    """
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=authority,
        http_client=_RemembersDiscovery(session),
        instance_discovery=False,
        token_cache=msal.TokenCache(),
    )


# Every new MSAL app tries to import the optional msal_extensions package to check its version; where it is not
# installed, Python searches the whole path again each time (a failed import is not remembered): about a
# millisecond of file-system lookups per diagnosis. An entry of None in sys.modules is Python's documented way to
# say "not available" (the import then fails at once), set only when the package is really absent.
if importlib.util.find_spec("msal_extensions") is None:
    sys.modules.setdefault("msal_extensions", None)  # type: ignore[assignment]


DISCOVERY_KEPT = 3600.0  # seconds a tenant's OpenID discovery document is reused
DISCOVERY_TENANTS = 4096  # documents kept at most
_discovered: dict[tuple[str, str, str], tuple[float, int, dict[str, str], bytes]] = {}
_discovered_lock = threading.Lock()


class _RemembersDiscovery:
    """MSAL's HTTP client: ``session``, except that a tenant's OpenID discovery document, once read, is reused
    for DISCOVERY_KEPT seconds by every diagnosis in this process.

    The document only says where the tenant's token endpoint is; it changes with the tenant's cloud, not
    between two runs. Reading it once per run cost a request (a round trip to Entra) and a few milliseconds
    of CPU per diagnosis (benchmarks/RESULTS.md). The token itself is always requested anew. Only a real
    document is kept (HTTP 200, a JSON object naming its issuer and token endpoint): an unknown tenant's
    refusal or a proxy's page is asked again on the next run. What is kept is the reply's status, headers and
    body, never the response object (it leads back to the run's session, and through it to the run's secrets).
    """

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.post(url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        if not url.endswith(DISCOVERY_PATH):
            return self._session.get(url, **kwargs)
        key = (url, repr(kwargs.get("params")), repr(sorted(self._session.proxies.items())))
        now = time.monotonic()
        with _discovered_lock:
            kept = _discovered.get(key)
        if kept is not None and kept[0] > now:
            return _replayed(url, *kept[1:])
        response = self._session.get(url, **kwargs)
        if _is_discovery_document(response):
            with _discovered_lock:
                _discovered[key] = (
                    now + DISCOVERY_KEPT,
                    response.status_code,
                    dict(response.headers),
                    response.content,
                )
                while len(_discovered) > DISCOVERY_TENANTS:
                    _discovered.pop(next(iter(_discovered)))
        return response

    def close(self) -> None:
        self._session.close()


def _is_discovery_document(response: requests.Response) -> bool:
    if response.status_code != 200:
        return False
    try:
        document = response.json()
    except ValueError:
        return False
    return isinstance(document, dict) and bool(document.get("token_endpoint")) and bool(document.get("issuer"))


def _replayed(url: str, status: int, headers: dict[str, str], body: bytes) -> requests.Response:
    """A fresh response carrying a kept reply, tied to no session or connection."""
    response = requests.Response()
    response.status_code, response.url, response._content = status, url, body
    response.headers = CaseInsensitiveDict(headers)
    response.encoding = get_encoding_from_headers(response.headers) or "utf-8"
    return response


DISCOVERY_PATH = "/v2.0/.well-known/openid-configuration"


def discovery_url(authority: str) -> str:
    return authority.rstrip("/") + DISCOVERY_PATH
