"""smtp.auth_mechanisms and smtp.auth: XOAUTH2 for OAuth 2.0, LOGIN for Basic — each refusal named by
Exchange's code, and no token or password ever in the evidence."""

import base64

from diagnostics.checks.smtp import check_auth_mechanisms
from diagnostics.context import Target
from diagnostics.findings import Status
from tests.support.lab_checks import lab_config, make_context, run_chain

TO_AUTH = ("tcp.connect", "smtp.banner", "smtp.ehlo", "tls.starttls", "smtp.auth_mechanisms", "smtp.auth")


def _oauth(lab, env, org, mailbox, *, token=None, claims=None, listener="submission"):
    config = lab_config(
        lab, listener, mailbox=mailbox, sender=mailbox, tenant=org.tenant_id, client_id=org.app.client_id
    )
    token = token or org.token()
    ctx = make_context(Target(config), env, token=token, claims=claims)
    return run_chain(ctx, TO_AUTH, close=False), ctx, token


def _basic(lab, env, mailbox, password, listener="submission"):
    config = lab_config(lab, listener, option="smtp_basic", mailbox=mailbox, sender=mailbox)
    ctx = make_context(Target(config, secret=password), env)
    return run_chain(ctx, TO_AUTH, close=False), ctx


def _never_shown(ctx, finding, *secrets):
    shown = ctx.shared["smtp"].transcript.text() + finding.evidence + finding.summary + finding.explanation
    for secret in secrets:
        assert secret not in shown
        assert base64.b64encode(secret.encode()).decode() not in shown


def test_xoauth2_authenticates_the_mailbox_and_the_token_never_shows(lab, lab_env, org):
    mailbox = org.mailbox()
    found, ctx, token = _oauth(lab, lab_env, org, mailbox)
    auth = found["smtp.auth"]
    assert auth.status == Status.PASS and "XOAUTH2" in auth.summary
    assert "C: AUTH XOAUTH2 <redacted>" in auth.evidence
    assert auth.evidence.count("C: AUTH") == 1
    _never_shown(ctx, auth, token)
    ctx.close()


def test_smtp_auth_disabled_for_the_mailbox_is_named_5_7_139(lab, lab_env, org):
    mailbox = org.mailbox(smtp_auth_disabled=True)
    found, ctx, _ = _oauth(lab, lab_env, org, mailbox)
    ctx.close()
    auth = found["smtp.auth"]
    assert (auth.status, auth.code) == (Status.FAIL, "5.7.139")
    assert "disabled for this mailbox" in auth.explanation
    assert "Set-CASMailbox" in auth.remedy


def test_smtp_auth_disabled_for_the_tenant_is_named_with_the_tenant_wide_fix(lab, lab_env, org):
    org.exchange.smtp_auth_disabled = True
    mailbox = org.mailbox()
    found, ctx, _ = _oauth(lab, lab_env, org, mailbox)
    ctx.close()
    auth = found["smtp.auth"]
    assert auth.code == "5.7.139"
    assert "whole tenant" in auth.explanation and "Set-TransportConfig" in auth.remedy


def test_a_mailbox_setting_overrides_a_tenant_wide_block(lab, lab_env, org):
    org.exchange.smtp_auth_disabled = True
    mailbox = org.mailbox(smtp_auth_disabled=False)
    found, ctx, _ = _oauth(lab, lab_env, org, mailbox)
    ctx.close()
    assert found["smtp.auth"].status == Status.PASS


def test_a_service_principal_without_mailbox_permission_is_named_5_7_3(lab, lab_env, org):
    mailbox = org.mailbox(full_access=set())
    found, ctx, _ = _oauth(lab, lab_env, org, mailbox)
    ctx.close()
    auth = found["smtp.auth"]
    assert (auth.status, auth.code) == (Status.FAIL, "5.7.3")
    assert "Add-MailboxPermission" in auth.remedy and "New-ServicePrincipal" in auth.remedy


def test_a_token_without_sendasapp_says_the_role_is_missing(lab, lab_env, org):
    app = lab.entra.register_app(org.tenant_id, "0badc0de-0000-4000-8000-000000000001", secret="x-secret", roles=())
    org.exchange.service_principals.add(app.client_id)
    mailbox = org.mailbox(full_access={app.client_id})
    token = lab.entra.issue_token(app)
    found, ctx, _ = _oauth(lab, lab_env, org, mailbox, token=token, claims=lab.entra.validate_token(token))
    ctx.close()
    auth = found["smtp.auth"]
    assert auth.code == "5.7.3"
    assert "no role SMTP.SendAsApp" in auth.explanation


def test_a_forged_token_is_refused(lab, lab_env, org):
    mailbox = org.mailbox()
    found, ctx, _ = _oauth(lab, lab_env, org, mailbox, token="eyJhbGciOiJIUzI1NiJ9.e30.forged-signature")
    ctx.close()
    assert found["smtp.auth"].code == "5.7.3"


def test_basic_auth_with_the_right_password_passes_and_the_password_never_shows(lab, lab_env, org):
    password = "Summer2026!-lab"
    mailbox = org.mailbox(password=password)
    found, ctx = _basic(lab, lab_env, mailbox, password)
    auth = found["smtp.auth"]
    assert auth.status == Status.PASS and "LOGIN" in auth.summary
    _never_shown(ctx, auth, password)
    assert base64.b64encode(password.encode()).decode() not in ctx.shared["smtp"].transcript.text()
    assert "C: <redacted>" in auth.evidence  # LOGIN's base64 user name and password lines
    ctx.close()


def test_a_wrong_password_is_named_5_7_3_with_the_basic_remedy(lab, lab_env, org):
    mailbox = org.mailbox(password="the-right-one")
    found, ctx = _basic(lab, lab_env, mailbox, "a-wrong-one")
    auth = found["smtp.auth"]
    assert auth.code == "5.7.3" and "SCOT" in auth.remedy
    _never_shown(ctx, auth, "a-wrong-one")
    ctx.close()


def test_basic_auth_disabled_is_named_5_7_139_and_points_to_oauth(lab, lab_env, org):
    org.exchange.basic_disabled = True
    mailbox = org.mailbox(password="pw-basic-disabled")
    found, ctx = _basic(lab, lab_env, mailbox, "pw-basic-disabled")
    ctx.close()
    auth = found["smtp.auth"]
    assert auth.code == "5.7.139"
    assert "Basic authentication is disabled" in auth.explanation and "OAuth 2.0" in auth.remedy


def test_basic_auth_removed_is_named_5_7_30(lab, lab_env, org):
    org.exchange.basic_removed = True
    mailbox = org.mailbox(password="pw-basic-removed")
    found, ctx = _basic(lab, lab_env, mailbox, "pw-basic-removed")
    ctx.close()
    assert (found["smtp.auth"].status, found["smtp.auth"].code) == (Status.FAIL, "5.7.30")


def test_a_failed_authentication_is_not_retried(lab, lab_env, org):
    mailbox = org.mailbox(password="right")
    found, ctx = _basic(lab, lab_env, mailbox, "wrong")
    session = ctx.shared["smtp"]
    assert session.auth_failed
    assert session.transcript.text().count("C: AUTH") == 1
    ctx.close()


def test_a_server_without_xoauth2_is_named_before_any_token_is_sent(lab, lab_env, org):
    mailbox = org.mailbox()
    found, ctx, _ = _oauth(lab, lab_env, org, mailbox, listener="basic_only")
    ctx.close()
    mechanisms = found["smtp.auth_mechanisms"]
    assert (mechanisms.status, mechanisms.code) == (Status.FAIL, "smtp.auth_mechanism_missing")
    assert "XOAUTH2" in mechanisms.summary
    assert found["smtp.auth"].status == Status.SKIPPED


def test_the_mx_endpoint_offers_no_auth_for_client_submission(lab, lab_env, org):
    mailbox = org.mailbox()
    found, ctx, _ = _oauth(lab, lab_env, org, mailbox, listener="mx")
    ctx.close()
    assert found["smtp.auth_mechanisms"].code == "smtp.auth_not_offered"


def test_basic_needs_login_or_plain():
    missing = check_auth_mechanisms({"auth": "XOAUTH2"}, auth="password", encrypted=True)
    assert (missing.status, missing.code) == (Status.FAIL, "smtp.auth_mechanism_missing")
    assert "LOGIN or PLAIN" in missing.summary
    assert check_auth_mechanisms({"auth": "PLAIN"}, auth="password", encrypted=True).status == Status.PASS
    assert check_auth_mechanisms({}, auth="", encrypted=True).status == Status.PASS


def test_a_basic_setup_without_a_stored_password_is_our_error_not_the_systems(lab, lab_env, org):
    mailbox = org.mailbox(password="pw")
    found, ctx = _basic(lab, lab_env, mailbox, None)
    ctx.close()
    assert (found["smtp.auth"].status, found["smtp.auth"].code) == (Status.ERROR, "smtp.auth_no_secret")
