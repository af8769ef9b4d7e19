"""MSAL for a diagnosis: a fresh ConfidentialClientApplication over an HTTP session we control.

Why not MSAL's own session: it sets no timeout on a custom http_client, and requests lets
REQUESTS_CA_BUNDLE (set on these machines, and on many corporate hosts) replace ``verify`` — the
extra CA of PORTAL_EXTRA_CA_BUNDLE would silently stop being trusted. So the session ignores the
process environment (``trust_env=False``), takes its proxy from PORTAL_HTTPS_PROXY, verifies with
an in-memory SSL context (system store plus the extra bundle; no CA file written anywhere), bounds
every request with the timeout, and — given ``resolve`` — looks host names up through the run's
resolver (PORTAL_DNS_NAMESERVERS) instead of the operating system's. Behind a proxy only the
proxy's name is looked up here; the proxy resolves the login host.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable
from typing import Any

import dns.exception
import msal
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.poolmanager import PoolManager
from urllib3.util import connection

Resolve = Callable[[str], list[str]]  # host name -> addresses; raises dns.exception.DNSException
MAX_ADDRESSES = 3  # as tcp.connect: a few addresses, each may cost a full timeout


class HostUnresolved(NameResolutionError):
    """The run's resolver could not resolve ``name`` (``error``: dnspython's NXDOMAIN, Timeout...)."""

    def __init__(self, name: str, conn: HTTPConnection, error: dns.exception.DNSException) -> None:
        super().__init__(name, conn, socket.gaierror(socket.EAI_NONAME, f"{type(error).__name__}: {error}"))
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


class _ResolvingConnection(HTTPConnection):
    """Connects to the addresses ``resolve`` gives; ``host`` stays the name (Host header, SNI, certificate)."""

    resolve: Resolve  # set on the per-session subclass

    def _new_conn(self) -> socket.socket:
        name = self._dns_host  # the target, or the proxy when there is one
        addresses = literal_addresses(name)
        if addresses is None:
            try:
                addresses = self.resolve(name)
            except dns.exception.DNSException as exc:
                raise HostUnresolved(name, self, exc) from exc
        failure: OSError | None = None
        for address in addresses[:MAX_ADDRESSES]:
            try:
                return connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:  # a filtered address: don't spend another timeout on the next one
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} ({address}) timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                failure = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {failure}") from failure


def _pool_classes(resolve: Resolve) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes whose connections resolve through ``resolve``."""
    http_conn = type("ResolvingHTTPConnection", (_ResolvingConnection,), {"resolve": staticmethod(resolve)})
    https_conn = type(
        "ResolvingHTTPSConnection", (_ResolvingConnection, HTTPSConnection), {"resolve": staticmethod(resolve)}
    )
    return {
        "http": type("ResolvingHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("ResolvingHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class _TrustingAdapter(HTTPAdapter):
    """Verifies with our SSL context only (never certifi's file) and, given ``resolve``, uses the run's DNS."""

    def __init__(self, context: ssl.SSLContext, resolve: Resolve | None) -> None:
        self._context = context
        self._pool_classes = _pool_classes(resolve) if resolve else None
        super().__init__()

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, ssl_context=self._context, **pool_kwargs)
        self._install(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        fresh = proxy not in self.proxy_manager
        manager = super().proxy_manager_for(proxy, ssl_context=self._context, **proxy_kwargs)
        if fresh:
            self._install(manager)
        return manager

    def _install(self, manager: PoolManager) -> None:
        if self._pool_classes is not None:
            manager.pool_classes_by_scheme = self._pool_classes

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would point ca_certs at certifi's file, and urllib3 would load it into our context.
        super().cert_verify(conn, url, verify, cert)
        if verify:
            conn.ca_certs = conn.ca_cert_dir = None


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


def http_session(
    *, timeout: float, extra_ca_bundle: str | None, https_proxy: str | None, resolve: Resolve | None = None
) -> BoundedSession:
    """``resolve``: the run's DNS (see ``Resolve``); None leaves host names to the operating system."""
    return BoundedSession(
        timeout=timeout, context=trust_context(extra_ca_bundle), https_proxy=https_proxy, resolve=resolve
    )


def confidential_app(
    client_id: str,
    credential: str | dict[str, str],
    *,
    authority: str,
    session: requests.Session,
) -> msal.ConfidentialClientApplication:
    """A new app per diagnosis: MSAL caches discovery (24 h) and identical 400 replies (60 s) per instance.

    The constructor does network I/O (OpenID discovery) and raises ValueError for an unknown tenant.
    Instance discovery is off: the authority's host comes from our cloud table or
    PORTAL_LOGIN_AUTHORITY_HOST, so asking login.microsoftonline.com to validate it adds a call to
    the wrong cloud at worst (and to a host that does not know the lab).
    """
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=authority,
        http_client=session,
        instance_discovery=False,
        token_cache=msal.TokenCache(),
    )


def discovery_url(authority: str) -> str:
    return f"{authority.rstrip('/')}/v2.0/.well-known/openid-configuration"
