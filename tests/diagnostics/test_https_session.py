"""The token call's HTTP session: the run's resolver picks the address, TLS still checks the name."""

import socket

import dns.resolver
import pytest
import requests

from diagnostics.https_session import HostUnresolved, http_session
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
