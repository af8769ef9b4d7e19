"""secret.expiry: warn 30 days before the secret or certificate runs out, fail once it has."""

import datetime as dt

from diagnostics.checks.expiry import CHECKS, check_secret_expiry
from diagnostics.findings import Status
from lab.entra import make_jwt_certificate, thumbprints
from tests.support.lab_checks import lab_env_for

TODAY = dt.date(2026, 11, 30)


def _secret(expires, *, required=True):
    return check_secret_expiry(
        credential="secret",
        secret_expires=expires,
        certificate_pem=None,
        certificate_expires=None,
        client_id="app-id",
        today=TODAY,
        expiry_required=required,
    )


def test_a_secret_valid_for_months_passes():
    finding = _secret(TODAY + dt.timedelta(days=200))
    assert finding.status == Status.PASS
    assert "200 days" in finding.summary


def test_a_secret_expiring_within_30_days_warns():
    finding = _secret(TODAY + dt.timedelta(days=30))
    assert (finding.status, finding.code) == (Status.WARN, "secret.expires_soon")
    assert "in 30 days" in finding.summary
    assert "both stay valid side by side" in finding.remedy


def test_an_expired_secret_fails_and_names_the_app():
    finding = _secret(TODAY - dt.timedelta(days=1))
    assert (finding.status, finding.code) == (Status.FAIL, "secret.expired")
    assert "1 days ago" in finding.summary
    assert "app-id" in finding.remedy
    assert "AADSTS7000222" in finding.explanation


def test_an_unknown_expiry_warns_for_an_app_secret_but_not_for_a_password():
    finding = _secret(None)
    assert (finding.status, finding.code) == (Status.WARN, "secret.expiry_unknown")
    assert _secret(None, required=False).status == Status.SKIPPED


def test_a_certificates_own_date_beats_the_recorded_one():
    _, cert = make_jwt_certificate(expired=True)
    finding = check_secret_expiry(
        credential="certificate",
        secret_expires=None,
        certificate_pem=cert,
        certificate_expires=TODAY + dt.timedelta(days=400),  # a stale note in the setup
        client_id="app-id",
        today=dt.datetime.now(dt.UTC).date(),
    )
    assert (finding.status, finding.code) == (Status.FAIL, "secret.expired")
    assert thumbprints(cert)[0] in finding.evidence


def test_the_adapter_uses_the_environments_clock(make_ctx, lab):
    env = lab_env_for(lab, now=lambda: dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    ctx = make_ctx(env=env, secret_expires=dt.date(2026, 12, 10), client_id="app-id")
    assert CHECKS["secret.expiry"](ctx).code == "secret.expires_soon"
    ctx = make_ctx(env=env, option="smtp_basic")
    assert CHECKS["secret.expiry"](ctx).status == Status.SKIPPED
