"""The token call's HTTP session: the run's resolver picks the address, TLS still checks the name."""

import json
import socket
import uuid

import dns.resolver
import pytest
import requests

from diagnostics.https_session import HostUnresolved, _RemembersDiscovery, http_session
from lab.dns import LAB_LOGIN_HOST


def _session(lab, addresses: dict[str, list[str]], seen: list[str] | None = None):
    def resolve(name: str) -> list[str]:
        (seen if seen is not None else []).append(name)
        if name not in addresses:
            raise dns.resolver.NXDOMAIN
        return addresses[name]

    return http_session(timeout=2, extra_ca_bundle=str(lab.pki.ca_pem_path), https_proxy=None, resolve=resolve)


def _discovery(lab, host: str, tenant: str) -> str:
    return f"https://{host}:{lab.entra.port}/{tenant}/v2.0/.well-known/openid-configuration"


def test_the_name_goes_to_the_resolver_and_the_server_sees_the_name_not_the_address(lab, tenant):
    seen: list[str] = []
    with _session(lab, {LAB_LOGIN_HOST: ["127.0.0.1"]}, seen) as session:
        response = session.get(_discovery(lab, LAB_LOGIN_HOST, tenant))
    assert response.status_code == 200 and seen == [LAB_LOGIN_HOST]
    assert response.url == _discovery(lab, LAB_LOGIN_HOST, tenant)
    # The lab builds its endpoints from the Host header: the name, with its port.
    assert response.json()["token_endpoint"].startswith(f"https://{LAB_LOGIN_HOST}:{lab.entra.port}/")


def test_the_certificate_is_checked_against_the_name_asked_for_not_the_address(lab, tenant):
    with _session(lab, {"elsewhere.example": ["127.0.0.1"]}) as session:
        with pytest.raises(requests.exceptions.SSLError, match="elsewhere.example"):
            session.get(_discovery(lab, "elsewhere.example", tenant))


def test_a_refused_address_gives_way_to_the_next_one(lab, tenant):
    with pytest.raises(ConnectionRefusedError):  # the lab's Entra ID listens on 127.0.0.1 only
        socket.create_connection(("127.0.0.2", lab.entra.port), timeout=2).close()
    with _session(lab, {LAB_LOGIN_HOST: ["127.0.0.2", "127.0.0.1"]}) as session:
        assert session.get(_discovery(lab, LAB_LOGIN_HOST, tenant)).status_code == 200


def test_a_name_the_resolver_does_not_know_is_a_connection_error_naming_it(lab, tenant):
    with _session(lab, {}) as session, pytest.raises(requests.ConnectionError) as failed:
        session.get(_discovery(lab, LAB_LOGIN_HOST, tenant))
    unresolved = failed.value.args[0]
    assert isinstance(unresolved, HostUnresolved) and unresolved.name == LAB_LOGIN_HOST


class _CountingSession:
    """Stands in for the run's session behind MSAL: answers each GET with the reply given, and counts them."""

    def __init__(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.status, self.body, self.content_type = status, body, content_type
        self.proxies: dict[str, str] = {}
        self.calls = 0

    def get(self, url: str, **kwargs: object) -> requests.Response:
        self.calls += 1
        response = requests.Response()
        response.status_code, response.url, response._content = self.status, url, self.body
        response.headers["Content-Type"] = self.content_type
        response.connection = self  # what a real response leads back to: the session, and the run behind it
        return response


def _discovery_of(tenant: str) -> str:
    return f"https://login.lab.test/{tenant}/v2.0/.well-known/openid-configuration"


def test_a_discovery_document_is_read_once_and_replayed_without_the_session_behind_it():
    document = json.dumps(
        {"issuer": "https://login.lab.test/t/v2.0", "token_endpoint": "https://login.lab.test/t/token"}
    )
    session = _CountingSession(200, document.encode())
    url = _discovery_of(f"kept-{uuid.uuid4().hex}")
    first = _RemembersDiscovery(session).get(url)
    again = _RemembersDiscovery(session).get(url)  # the next diagnosis: a new app, a new session
    assert session.calls == 1
    assert again.json() == first.json() == json.loads(document) and again.status_code == 200
    assert getattr(again, "connection", None) is None  # nothing of the first run's session is kept


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (400, b'{"error": "invalid_tenant", "error_codes": [90002]}', "application/json"),
        (200, b"<html>Sign in to the proxy</html>", "text/html"),
        (200, b'{"hello": "world"}', "application/json"),
    ],
)
def test_a_refusal_or_anything_but_a_discovery_document_is_asked_again(status, body, content_type):
    session = _CountingSession(status, body, content_type)
    url = _discovery_of(f"asked-{uuid.uuid4().hex}")
    for _ in range(2):
        assert _RemembersDiscovery(session).get(url).status_code == status
    assert session.calls == 2
