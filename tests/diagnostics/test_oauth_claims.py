"""oauth.claims: the token is for Exchange Online, from the right tenant, with SMTP.SendAsApp, not expired."""

import datetime as dt

import jwt

from connectors.clouds import CLOUDS
from diagnostics.checks.oauth import CHECKS, check_oauth_claims
from diagnostics.findings import Status

NOW = dt.datetime.now(dt.UTC)


def _claims(lab_entra, tenant, client_id, **app):
    token = lab_entra.issue_token(lab_entra.register_app(tenant, client_id, secret="s", **app))
    return jwt.decode(token, options={"verify_signature": False})


def _check(claims, tenant, *, cloud="global", now=NOW):
    return check_oauth_claims(claims, tenant=tenant, cloud=CLOUDS[cloud], client_id="app-id", now=now)


def test_a_token_for_exchange_with_the_send_role_passes(lab_entra, tenant, client_id):
    finding = _check(_claims(lab_entra, tenant, client_id), tenant)
    assert finding.status == Status.PASS
    assert "SMTP.SendAsApp for https://outlook.office365.com" in finding.summary


def test_a_token_without_smtp_sendasapp_fails_before_smtp_answers_535(lab_entra, tenant, client_id):
    finding = _check(_claims(lab_entra, tenant, client_id, roles=("Mail.Send",)), tenant)
    assert (finding.status, finding.code) == (Status.FAIL, "oauth.no_smtp_role")
    assert "535 5.7.3" in finding.explanation
    assert "Office 365 Exchange Online" in finding.remedy and "Grant admin consent" in finding.remedy


def test_a_token_for_another_resource_fails(lab_entra, tenant, client_id):
    claims = {**_claims(lab_entra, tenant, client_id), "aud": "https://graph.microsoft.com"}
    finding = _check(claims, tenant)
    assert (finding.status, finding.code) == (Status.FAIL, "oauth.wrong_audience")


def test_the_clouds_own_exchange_resource_is_expected(lab_entra, tenant, client_id):
    assert _check(_claims(lab_entra, tenant, client_id), tenant, cloud="gcc-high").code == "oauth.wrong_audience"


def test_a_token_from_another_tenant_fails_when_the_tenant_is_a_guid(lab_entra, tenant, client_id):
    claims = _claims(lab_entra, tenant, client_id)
    other = _check(claims, "00000000-0000-0000-0000-000000000001")
    assert (other.status, other.code) == (Status.FAIL, "oauth.wrong_tenant")
    assert _check(claims, "contoso.lab.test").status == Status.PASS  # a domain cannot be compared with tid


def test_an_expired_token_fails(lab_entra, tenant, client_id):
    later = NOW + dt.timedelta(hours=2)
    assert _check(_claims(lab_entra, tenant, client_id), tenant, now=later).code == "oauth.token_expired"


def test_without_a_token_it_is_skipped():
    finding = _check(None, "t")
    assert finding.status == Status.SKIPPED
    assert "oauth.token" in finding.summary


def test_an_app_without_the_permission_is_caught_end_to_end(make_ctx, oauth_env, lab_entra, tenant, client_id):
    lab_entra.register_app(tenant, client_id, secret="s", roles=())  # Graph permissions only: no roles
    ctx = make_ctx(env=oauth_env, tenant=tenant, client_id=client_id, secret="s")
    ctx.record(CHECKS["oauth.token"](ctx))
    finding = CHECKS["oauth.claims"](ctx)
    ctx.close()
    assert ctx.finding("oauth.token").status == Status.PASS  # Entra happily issues the token...
    assert (finding.status, finding.code) == (Status.FAIL, "oauth.no_smtp_role")  # ...that SMTP will refuse
    assert "roles: none" in finding.summary
