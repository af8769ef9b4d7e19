"""The Entra ID stand-in speaks Entra's discovery, token and error formats, and real MSAL uses it."""

import time

import dns.resolver
import jwt
import pytest
import requests

from diagnostics.https_session import confidential_app, http_session
from lab.entra import EXCHANGE_RESOURCE, make_jwt_certificate, thumbprints

SCOPE = "https://outlook.office365.com/.default"


@pytest.fixture
def session(lab_pki):
    with http_session(timeout=2, extra_ca_bundle=str(lab_pki.ca_pem_path), https_proxy=None) as s:
        yield s


def _discover(session, lab_entra, tenant):
    return session.get(f"{lab_entra.base_url}/{tenant}/v2.0/.well-known/openid-configuration")


def test_discovery_by_domain_names_the_token_endpoint_by_tenant_guid(session, lab_entra, tenant):
    domain = next(iter(lab_entra.tenants[tenant].domains))
    reply = _discover(session, lab_entra, domain)
    assert reply.status_code == 200
    assert reply.json()["token_endpoint"] == f"{lab_entra.base_url}/{tenant}/oauth2/v2.0/token"


def test_an_unknown_tenant_is_aadsts90002_in_entras_error_shape(session, lab_entra):
    reply = _discover(session, lab_entra, "nobody.lab.test")
    body = reply.json()
    assert reply.status_code == 400
    assert body["error"] == "invalid_tenant"
    assert body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'nobody.lab.test' not found.")
    assert "Trace ID:" in body["error_description"]


def test_a_tenant_that_is_neither_guid_nor_domain_is_aadsts900023(session, lab_entra):
    assert _discover(session, lab_entra, "not a tenant").json()["error_codes"] == [900023]


def test_msal_gets_a_token_the_lab_validates_and_asks_for_nothing_else(session, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="right")
    before = len(lab_entra.requests)
    app = confidential_app(client_id, "right", authority=f"{lab_entra.base_url}/{tenant}", session=session)
    token = app.acquire_token_for_client(scopes=[SCOPE])["access_token"]
    claims = lab_entra.validate_token(token)
    assert claims["aud"] == EXCHANGE_RESOURCE
    assert claims["tid"] == tenant and claims["appid"] == client_id
    assert claims["roles"] == ["SMTP.SendAsApp"]
    assert [method for method, _ in lab_entra.requests[before:]] == ["GET", "POST"]  # discovery, token


def test_an_app_without_permissions_gets_a_token_without_roles(lab_entra, tenant, client_id):
    app = lab_entra.register_app(tenant, client_id, secret="s", roles=())
    assert "roles" not in lab_entra.validate_token(lab_entra.issue_token(app))


def test_validate_token_refuses_foreign_expired_and_wrong_audience_tokens(lab_entra, tenant, client_id):
    app = lab_entra.register_app(tenant, client_id, secret="s")
    good = jwt.decode(lab_entra.issue_token(app), options={"verify_signature": False})
    foreign_key, _ = make_jwt_certificate()
    with pytest.raises(jwt.InvalidSignatureError):
        lab_entra.validate_token(jwt.encode(good, foreign_key, algorithm="RS256"))
    with pytest.raises(jwt.ExpiredSignatureError):
        lab_entra.validate_token(jwt.encode({**good, "exp": int(time.time()) - 60}, lab_entra._signing_key, "RS256"))
    with pytest.raises(jwt.InvalidAudienceError):
        lab_entra.validate_token(
            jwt.encode({**good, "aud": "https://graph.microsoft.com"}, lab_entra._signing_key, "RS256")
        )


def test_the_token_endpoint_answers_wrong_secrets_like_entra(session, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="right")
    form = {"client_id": client_id, "grant_type": "client_credentials", "scope": SCOPE, "client_secret": "wrong"}
    reply = session.post(f"{lab_entra.base_url}/{tenant}/oauth2/v2.0/token", data=form)
    assert reply.status_code == 401
    assert reply.json()["error"] == "invalid_client"
    assert reply.json()["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")


def test_a_scope_without_default_is_aadsts1002012(session, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="right")
    form = {
        "client_id": client_id,
        "grant_type": "client_credentials",
        "scope": "SMTP.SendAsApp",
        "client_secret": "right",
    }
    reply = session.post(f"{lab_entra.base_url}/{tenant}/oauth2/v2.0/token", data=form)
    assert reply.json()["error_codes"] == [1002012]


def test_a_client_assertion_is_checked_against_the_registered_certificate(session, lab_entra, tenant, client_id):
    key, cert = make_jwt_certificate()
    lab_entra.register_app(tenant, client_id, certificate_pem=cert)
    authority = f"{lab_entra.base_url}/{tenant}"
    # Both MSAL forms: RS256 with x5t (SHA-1 thumbprint) and PS256 with x5t#S256.
    for credential in (
        {"private_key": key, "thumbprint": thumbprints(cert)[0]},
        {"private_key": key, "public_certificate": cert},
    ):
        app = confidential_app(client_id, credential, authority=authority, session=session)
        assert "access_token" in app.acquire_token_for_client(scopes=[SCOPE])


def test_unknown_paths_are_404(session, lab_entra):
    assert session.get(f"{lab_entra.base_url}/common/userrealm/x").status_code == 404


def test_it_serves_https_only_with_the_lab_ca(lab_entra):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(lab_entra.base_url, timeout=2, verify=True)


def test_by_the_lab_name_the_endpoints_it_names_use_that_name_and_a_jwt_grant_works(
    lab_pki, lab_dns, lab_entra, tenant, client_id
):
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = ["127.0.0.1"], lab_dns.port

    def resolve(name):
        return [record.address for record in resolver.resolve(name, "A", lifetime=2)]

    key, cert = make_jwt_certificate()
    lab_entra.register_app(tenant, client_id, certificate_pem=cert)
    authority = f"{lab_entra.lab_url}/{tenant}"
    with http_session(timeout=2, extra_ca_bundle=str(lab_pki.ca_pem_path), https_proxy=None, resolve=resolve) as s:
        discovery = s.get(f"{authority}/v2.0/.well-known/openid-configuration").json()
        assert discovery["token_endpoint"] == f"{authority}/oauth2/v2.0/token"
        app = confidential_app(
            client_id, {"private_key": key, "public_certificate": cert}, authority=authority, session=s
        )
        assert "access_token" in app.acquire_token_for_client(scopes=[SCOPE])  # the assertion's audience matches
