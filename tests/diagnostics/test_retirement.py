"""setup.basic_auth_retirement: always a warning, with Microsoft's next date and this release's way out."""

import datetime as dt

from diagnostics.checks.retirement import CHECKS, check_basic_auth_retirement
from diagnostics.context import DEFAULT_MILESTONES, Milestone
from diagnostics.findings import Status
from tests.support.lab_checks import lab_env_for


def _check(today, release=758, milestones=DEFAULT_MILESTONES):
    return check_basic_auth_retirement(milestones=milestones, basis_release=release, today=today)


def test_it_warns_with_the_next_date_and_the_days_left():
    finding = _check(dt.date(2026, 12, 1))
    assert (finding.status, finding.code) == (Status.WARN, "basic_auth.retiring")
    assert "2026-12-31 (in 30 days)" in finding.summary
    assert "MC786329" in finding.evidence  # every milestone shows its source


def test_a_release_with_oauth_is_sent_to_oauth():
    assert "Move to SMTP OAuth 2.0 (SAP_BASIS 7.58" in _check(dt.date(2026, 12, 1), release=758).remedy
    assert "client secret)" in _check(dt.date(2026, 12, 1), release=750).remedy  # no JWT before 7.51


def test_a_release_without_oauth_is_sent_to_a_connector_or_relay():
    remedy = _check(dt.date(2026, 12, 1), release=740).remedy
    assert "SAP_BASIS 7.40 has no SMTP OAuth 2.0" in remedy
    assert "relay connector" in remedy


def test_after_the_last_milestone_it_still_warns():
    milestones = (Milestone(dt.date(2026, 1, 1), "gone", "blog"),)
    finding = _check(dt.date(2027, 1, 1), milestones=milestones)
    assert finding.status == Status.WARN
    assert "passed on 2026-01-01" in finding.summary


def test_the_adapter_takes_dates_from_the_environment(make_ctx, lab):
    milestones = (Milestone(dt.date(2027, 3, 1), "custom date", "PORTAL_BASIC_AUTH_MILESTONES"),)
    env = lab_env_for(lab, milestones=milestones, now=lambda: dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    finding = CHECKS["setup.basic_auth_retirement"](make_ctx(env=env, option="smtp_basic", basis_release=740))
    assert "2027-03-01 (in 28 days): custom date" in finding.summary
