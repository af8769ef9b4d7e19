"""oauth.token: real MSAL against the lab's Entra ID; every refusal named by its AADSTS code."""

import socket
import tempfile
import threading
import time
from dataclasses import replace

import certifi
import pytest

from diagnostics.checks.oauth import CHECKS, check_oauth_token
from diagnostics.findings import Status
from diagnostics.https_session import http_session
from lab.dns import LAB_LOGIN_HOST
from lab.entra import make_jwt_certificate, thumbprints

SCOPE = "https://outlook.office365.com/.default"


@pytest.fixture
def token(lab_entra, lab_pki):
    """``token(tenant, client_id, credential, ...)`` → the oauth.token finding, as a diagnosis would get it."""

    def run(tenant, client_id, credential, *, base=None, ca=str(lab_pki.ca_pem_path), proxy=None, timeout=2.0):
        with http_session(timeout=timeout, extra_ca_bundle=ca, https_proxy=proxy) as session:
            return check_oauth_token(
                client_id=client_id,
                credential=credential,
                authority=f"{base or lab_entra.base_url}/{tenant}",
                scope=SCOPE,
                session=session,
            )

    return run


def test_a_right_secret_gets_a_token_kept_in_memory_only(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="s3cret-value")
    finding = token(tenant, client_id, "s3cret-value")
    assert finding.status == Status.PASS
    assert finding.facts["claims"]["roles"] == ["SMTP.SendAsApp"]
    access_token = finding.facts["access_token"]
    for shown in (finding.summary, finding.evidence, finding.explanation, finding.remedy, repr(finding)):
        assert access_token not in shown and "s3cret-value" not in shown


def test_a_wrong_client_secret_is_aadsts7000215(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="right")
    finding = token(tenant, client_id, "the-secret-id-not-its-value")
    assert (finding.status, finding.code) == (Status.FAIL, "AADSTS7000215")
    assert "Invalid client secret" in finding.summary
    assert "copy its Value (not the Secret ID)" in finding.remedy
    assert client_id in finding.remedy
    assert "invalid_client: AADSTS7000215" in finding.evidence


def test_an_expired_secret_is_aadsts7000222(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="old", secret_expired=True)
    assert token(tenant, client_id, "old").code == "AADSTS7000222"


def test_an_unknown_application_is_aadsts700016(token, lab_entra, tenant, client_id):
    finding = token(tenant, client_id, "whatever")
    assert finding.code == "AADSTS700016"
    assert "client ID" in finding.summary


def test_an_unknown_tenant_is_aadsts90002_although_msal_only_raises_valueerror(token, client_id):
    finding = token("contoso-typo.lab.test", client_id, "whatever")
    assert (finding.status, finding.code) == (Status.FAIL, "AADSTS90002")
    assert "tenant lookup" in finding.summary
    assert "Directory (tenant) ID" in finding.remedy


def test_a_malformed_tenant_is_aadsts900023(token, client_id):
    assert token("my tenant", client_id, "whatever").code == "AADSTS900023"


def test_a_disabled_application_is_aadsts7000112(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="s", disabled=True)
    assert token(tenant, client_id, "s").code == "AADSTS7000112"


def test_conditional_access_is_named_from_the_catalogue(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="s", forced_error=53003)
    finding = token(tenant, client_id, "s")
    assert finding.code == "AADSTS53003"
    assert "Conditional Access" in finding.remedy


def test_a_code_missing_from_the_catalogue_keeps_entras_own_words(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="s", forced_error=70003)
    finding = token(tenant, client_id, "s")
    assert finding.code == "AADSTS70003"
    assert finding.explanation.startswith("AADSTS70003: The app requested an unsupported grant type")
    assert "error?code=70003" in finding.remedy


def test_a_registered_certificate_gets_a_token_with_a_jwt_assertion(token, lab_entra, tenant, client_id):
    key, cert = make_jwt_certificate()
    lab_entra.register_app(tenant, client_id, certificate_pem=cert)
    finding = token(tenant, client_id, {"private_key": key, "public_certificate": cert})
    assert finding.status == Status.PASS
    assert finding.facts["claims"]["appidacr"] == "2"  # certificate-authenticated, as Entra marks it


def test_an_unregistered_certificate_is_aadsts700027(token, lab_entra, tenant, client_id):
    _, registered = make_jwt_certificate()
    key, other = make_jwt_certificate()
    lab_entra.register_app(tenant, client_id, certificate_pem=registered)
    finding = token(tenant, client_id, {"private_key": key, "public_certificate": other})
    assert finding.code == "AADSTS700027"
    assert "STRUST" in finding.remedy
    assert thumbprints(other)[1] in finding.evidence  # Entra names the thumbprint it was shown


def test_a_key_that_does_not_belong_to_the_certificate_is_caught_before_msal(token, lab_entra, tenant, client_id):
    key, _ = make_jwt_certificate()
    _, cert = make_jwt_certificate()
    before = len(lab_entra.requests)
    finding = token(tenant, client_id, {"private_key": key, "public_certificate": cert})
    assert finding.code == "certificate.unreadable"
    assert "does not belong" in finding.summary
    assert len(lab_entra.requests) == before


def test_each_diagnosis_builds_a_fresh_app_so_a_fixed_secret_is_seen_at_once(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="new")
    assert token(tenant, client_id, "old").code == "AADSTS7000215"
    lab_entra.register_app(tenant, client_id, secret="old")  # the admin put the value SAP has
    assert token(tenant, client_id, "old").status == Status.PASS


def test_a_tenants_discovery_document_is_read_once_per_process_and_the_token_every_time(
    token, lab_entra, tenant, client_id
):
    lab_entra.register_app(tenant, client_id, secret="s3cret-value")
    before = len(lab_entra.requests)
    assert [token(tenant, client_id, "s3cret-value").status for _ in range(3)] == [Status.PASS] * 3
    asked = lab_entra.requests[before:]
    assert sum(1 for method, path in asked if method == "GET" and "openid-configuration" in path) <= 1
    assert sum(1 for method, path in asked if method == "POST" and path.endswith("/oauth2/v2.0/token")) == 3


def test_an_unknown_tenant_is_asked_again_on_every_run(token, lab_entra, client_id):
    before = len(lab_entra.requests)
    assert [token("contoso-typo.lab.test", client_id, "x").code for _ in range(2)] == ["AADSTS90002"] * 2
    asked = [path for method, path in lab_entra.requests[before:] if "openid-configuration" in path]
    # MSAL's constructor and then the check itself (to name Entra's objection) ask on each run: a refusal is
    # never kept, so a tenant created meanwhile is found on the next run.
    assert len(asked) == 4


def test_a_login_host_with_an_untrusted_certificate_is_named(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="s")
    finding = token(tenant, client_id, "s", ca=None)
    assert (finding.status, finding.code) == (Status.FAIL, "oauth.tls_untrusted")
    assert "PORTAL_EXTRA_CA_BUNDLE" in finding.remedy


def test_the_extra_ca_is_trusted_even_when_requests_ca_bundle_is_set(token, lab_entra, tenant, client_id, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())  # a bundle without the lab CA
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    lab_entra.register_app(tenant, client_id, secret="s")
    assert token(tenant, client_id, "s").status == Status.PASS


def test_a_closed_login_port_is_unreachable(token, tenant, client_id):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    finding = token(tenant, client_id, "s", base=f"https://localhost:{port}")
    assert (finding.status, finding.code) == (Status.FAIL, "oauth.unreachable")
    assert f"localhost:{port}" in finding.remedy


def test_a_login_host_that_never_answers_times_out_quickly(token, tenant, client_id):
    with socket.socket() as silent:  # accepts connections, never speaks TLS
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        finding = token(tenant, client_id, "s", base=f"https://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5)
    assert (finding.status, finding.code) == (Status.FAIL, "oauth.timeout")
    assert time.monotonic() - started < 2


def test_the_token_call_goes_through_the_configured_proxy(token, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="s")
    seen = []
    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy.listen()

        def refuse() -> None:
            conn, _ = proxy.accept()
            seen.append(conn.recv(200))
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            conn.close()

        threading.Thread(target=refuse, daemon=True).start()
        finding = token(tenant, client_id, "s", proxy=f"http://127.0.0.1:{proxy.getsockname()[1]}")
    assert seen and seen[0].startswith(f"CONNECT localhost:{lab_entra.port}".encode())
    assert finding.code == "oauth.unreachable"


def test_the_adapter_uses_the_login_authority_host_and_the_secret(make_ctx, oauth_env, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="s")
    ctx = make_ctx(env=oauth_env, tenant=tenant, client_id=client_id, secret="s")
    finding = CHECKS["oauth.token"](ctx)
    ctx.close()
    assert finding.status == Status.PASS
    assert lab_entra.base_url in finding.evidence


def test_the_adapter_with_a_certificate_but_no_key_checks_the_certificate(make_ctx, oauth_env, client_id):
    _, cert = make_jwt_certificate()
    sha1 = thumbprints(cert)[0]
    ctx = make_ctx(
        env=oauth_env,
        tenant="t.lab.test",
        client_id=client_id,
        credential="certificate",
        certificate_thumbprint=sha1.lower(),
        certificate_pem=cert,
    )
    finding = CHECKS["oauth.token"](ctx)
    assert (finding.status, finding.code) == (Status.SKIPPED, "certificate.no_private_key")
    assert sha1 in finding.summary
    other = replace(ctx.target.config, certificate_thumbprint="AB" * 20)
    ctx = make_ctx(env=oauth_env, certificate_pem=cert, **{**other.__dict__})
    assert CHECKS["oauth.token"](ctx).code == "certificate.thumbprint_mismatch"


def test_the_adapter_with_a_key_tests_the_jwt_grant(make_ctx, oauth_env, lab_entra, tenant, client_id):
    key, cert = make_jwt_certificate()
    lab_entra.register_app(tenant, client_id, certificate_pem=cert)
    ctx = make_ctx(
        env=oauth_env,
        tenant=tenant,
        client_id=client_id,
        credential="certificate",
        private_key_pem=key,
        certificate_pem=cert,
    )
    assert CHECKS["oauth.token"](ctx).status == Status.PASS


def test_the_adapter_without_tenant_or_secret_says_what_is_missing(make_ctx, oauth_env):
    assert CHECKS["oauth.token"](make_ctx(env=oauth_env, client_id="x")).code == "oauth.incomplete_setup"


# -- the login host is looked up through PORTAL_DNS_NAMESERVERS, like every other name ------------------
def _by_lab_name(make_ctx, env, tenant, client_id, secret="s"):
    ctx = make_ctx(env=env, tenant=tenant, client_id=client_id, secret=secret)
    try:
        return CHECKS["oauth.token"](ctx)
    finally:
        ctx.close()


def test_a_login_host_only_the_lab_dns_knows_is_resolved_through_it(make_ctx, oauth_env, lab_entra, tenant, client_id):
    with pytest.raises(socket.gaierror):  # the operating system's resolver has never heard of it
        socket.getaddrinfo(LAB_LOGIN_HOST, lab_entra.port)
    lab_entra.register_app(tenant, client_id, secret="s")
    before = len(lab_entra.requests)
    finding = _by_lab_name(make_ctx, replace(oauth_env, login_base=lab_entra.lab_url), tenant, client_id)
    assert finding.status == Status.PASS, finding.summary
    assert f"https://{LAB_LOGIN_HOST}:{lab_entra.port}/{tenant}" in finding.evidence
    assert [method for method, _ in lab_entra.requests[before:]] == ["GET", "POST"]  # discovery, token


def test_a_login_host_the_nameservers_do_not_know_is_a_clear_finding(
    make_ctx, oauth_env, lab_dns, lab_entra, tenant, client_id
):
    lab_dns.records.remove(LAB_LOGIN_HOST)
    lab_entra.register_app(tenant, client_id, secret="s")
    before = len(lab_entra.requests)
    finding = _by_lab_name(make_ctx, replace(oauth_env, login_base=lab_entra.lab_url), tenant, client_id)
    assert (finding.status, finding.code) == (Status.FAIL, "oauth.login_host_unresolved")
    assert finding.summary == f"{LAB_LOGIN_HOST} does not exist (NXDOMAIN)"
    assert "PORTAL_DNS_NAMESERVERS" in finding.remedy and LAB_LOGIN_HOST in finding.remedy
    assert len(lab_entra.requests) == before  # nothing reached the login host by another way


def test_a_dns_server_that_does_not_answer_for_the_login_host_is_named(
    make_ctx, oauth_env, lab_dns, lab_entra, tenant, client_id
):
    lab_dns.records.silence(LAB_LOGIN_HOST)
    env = replace(oauth_env, login_base=lab_entra.lab_url, timeout=0.4)
    finding = _by_lab_name(make_ctx, env, tenant, client_id)
    assert finding.code == "oauth.login_host_unresolved"
    assert "no DNS server answered in time" in finding.summary


def _refusing_proxy(seen):
    proxy = socket.socket()
    proxy.bind(("127.0.0.1", 0))
    proxy.listen()

    def refuse() -> None:
        conn, _ = proxy.accept()
        seen.append(conn.recv(200))
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    threading.Thread(target=refuse, daemon=True).start()
    return proxy


def test_behind_a_proxy_the_proxys_name_is_resolved_here_and_the_login_host_by_the_proxy(
    make_ctx, oauth_env, lab_dns, lab_entra, tenant, client_id
):
    lab_dns.records.add("proxy.lab.test", "A", "127.0.0.1")
    lab_dns.records.remove(LAB_LOGIN_HOST)  # the proxy's DNS may know it; ours needn't
    seen = []
    with _refusing_proxy(seen) as proxy:
        env = replace(
            oauth_env, login_base=lab_entra.lab_url, https_proxy=f"http://proxy.lab.test:{proxy.getsockname()[1]}"
        )
        finding = _by_lab_name(make_ctx, env, tenant, client_id)
    assert seen and seen[0].startswith(f"CONNECT {LAB_LOGIN_HOST}:{lab_entra.port}".encode())
    assert finding.code == "oauth.unreachable"


def test_a_proxy_name_the_nameservers_do_not_know_is_named_as_the_proxy(make_ctx, oauth_env, tenant, client_id):
    env = replace(oauth_env, https_proxy="http://no-such-proxy.lab.test:3128")
    finding = _by_lab_name(make_ctx, env, tenant, client_id)
    assert (finding.status, finding.code) == (Status.FAIL, "oauth.login_host_unresolved")
    assert finding.summary == "The proxy no-such-proxy.lab.test does not exist (NXDOMAIN)"


# -- trust: an in-memory context, no CA file anyone else could plant or swap ----------------------------
def test_the_extra_ca_is_trusted_without_writing_a_ca_file(token, lab_entra, tenant, client_id, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the old code wrote its bundle
    lab_entra.register_app(tenant, client_id, secret="s")
    assert token(tenant, client_id, "s").status == Status.PASS
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_extra_ca_bundle_is_an_error_finding_not_a_crash(
    make_ctx, oauth_env, tenant, client_id, tmp_path
):
    env = replace(oauth_env, extra_ca_bundle=str(tmp_path / "missing-ca.pem"))
    finding = _by_lab_name(make_ctx, env, tenant, client_id)
    assert (finding.key, finding.status, finding.code) == ("oauth.token", Status.ERROR, "tls.trust_store")
