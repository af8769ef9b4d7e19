"""One alert per change of health, not per run: damped, muted in maintenance windows, on every channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.models import AuditEvent, SapSystem
from portal.monitoring.changes import after_run
from portal.monitoring.models import Alert, Delivery, Subscription, SystemAlerting
from tests.support.pages import finished_run, make_system

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "mail_backend")]

TOKEN = {"key": "oauth.token", "code": "AADSTS7000222", "summary": "The client secret expired",
         "remedy": "Create a new client secret in Entra ID and store it in SAP (OA2C_CONFIG)."}  # fmt: skip


@pytest.fixture
def prd() -> SapSystem:
    return make_system(contact_email="basis@contoso.example", description="S/4HANA production")


def checked(system: SapSystem, verdict: str, capture, minutes_ago: int = 0, **result: str) -> None:
    """One finished run, evaluated as the end of a real run is (deliveries go on commit)."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    result = result or (TOKEN if verdict == "failed" else {})
    with capture(execute=True):
        after_run(finished_run(system, verdict, at=at, **result))


def test_a_system_turning_red_is_told_once_after_two_runs_not_on_every_run(prd, django_capture_on_commit_callbacks):
    checked(prd, "passed", django_capture_on_commit_callbacks, 50)
    checked(prd, "passed", django_capture_on_commit_callbacks, 40)
    assert mail.outbox == []  # unknown to green: no news
    checked(prd, "failed", django_capture_on_commit_callbacks, 30)
    assert mail.outbox == []  # one red run is not a change yet
    checked(prd, "failed", django_capture_on_commit_callbacks, 20)
    checked(prd, "failed", django_capture_on_commit_callbacks, 10)
    checked(prd, "failed", django_capture_on_commit_callbacks, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["basis@contoso.example"]
    assert message.subject == "[Mail health] PRD/100 is red: Token: AADSTS7000222 The client secret has expired"
    body = message.body
    for expected in ("PRD/100 (S/4HANA production) turned red", "Since: ", "Failing check: Token (oauth.token)",
                     "Code: AADSTS7000222", "What to do: Create a new client secret",
                     "http://127.0.0.1:8000/systems/PRD/100/"):  # fmt: skip
        assert expected in body, body
    html = message.alternatives[0][0]
    assert "AADSTS7000222" in html and 'href="http://127.0.0.1:8000/systems/PRD/100/"' in html


def test_it_says_since_when_the_red_streak_began(prd, django_capture_on_commit_callbacks):
    checked(prd, "passed", django_capture_on_commit_callbacks, 90)
    checked(prd, "passed", django_capture_on_commit_callbacks, 80)
    checked(prd, "failed", django_capture_on_commit_callbacks, 70)
    checked(prd, "failed", django_capture_on_commit_callbacks, 0)
    state = SystemAlerting.objects.get(system=prd)
    first_red = prd.runs.filter(verdict="failed").order_by("finished_at").first().finished_at
    assert (state.confirmed, state.confirmed_since) == ("red", first_red)
    assert Alert.objects.get().facts["since"] == first_red.isoformat()


def test_a_flapping_system_is_never_told_and_a_recovery_is(prd, django_capture_on_commit_callbacks):
    for minutes, verdict in enumerate(["passed", "passed", "failed", "passed", "failed", "passed", "failed"]):
        checked(prd, verdict, django_capture_on_commit_callbacks, 100 - minutes)
    assert mail.outbox == []  # red never held for two runs in a row
    checked(prd, "failed", django_capture_on_commit_callbacks, 50)
    assert [m.subject for m in mail.outbox] == [
        "[Mail health] PRD/100 is red: Token: AADSTS7000222 The client secret has expired"
    ]
    checked(prd, "passed", django_capture_on_commit_callbacks, 40)
    checked(prd, "passed", django_capture_on_commit_callbacks, 30)
    assert mail.outbox[-1].subject == "[Mail health] PRD/100 recovered: mail works again"
    assert "Red for: " in mail.outbox[-1].body and len(mail.outbox) == 2


def test_the_number_of_runs_a_change_must_hold_is_a_setting(prd, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_ALERT_AFTER_RUNS = 3
    for minutes in (30, 20):
        checked(prd, "failed", django_capture_on_commit_callbacks, minutes)
    assert mail.outbox == []
    checked(prd, "failed", django_capture_on_commit_callbacks, 10)
    assert len(mail.outbox) == 1


def test_warnings_go_only_to_subscriptions_that_chose_them(prd, django_capture_on_commit_callbacks):
    Subscription.objects.create(name="Basis on call", email="oncall@contoso.example", include_amber=True)
    Subscription.objects.create(name="Managers", email="managers@contoso.example")
    warn = {"key": "smtp.envelope", "code": "4.3.2", "summary": "Exchange deferred (thread limit)", "status": "warn"}
    for minutes in (30, 20):
        checked(prd, "warning", django_capture_on_commit_callbacks, minutes, **warn)
    assert [(m.to, m.subject.split(":")[0]) for m in mail.outbox] == [
        (["oncall@contoso.example"], "[Mail health] PRD/100 has warnings")
    ]
    for minutes in (10, 0):
        checked(prd, "failed", django_capture_on_commit_callbacks, minutes)
    assert sorted(m.to[0] for m in mail.outbox[1:]) == [
        "basis@contoso.example", "managers@contoso.example", "oncall@contoso.example"]  # fmt: skip


def test_subscriptions_cover_a_role_a_zone_an_option_or_all(django_capture_on_commit_callbacks):
    system = make_system("QAS", role="QAS", zone="dmz")
    Subscription.objects.create(name="production", scope="role", value="PRD", email="prd@contoso.example")
    Subscription.objects.create(name="quality", scope="role", value="QAS", email="qas@contoso.example")
    Subscription.objects.create(name="dmz", scope="zone", value="dmz", email="dmz@contoso.example")
    Subscription.objects.create(name="basic", scope="option", value="smtp_basic", email="basic@contoso.example")
    Subscription.objects.create(name="oauth", scope="option", value="oauth2", email="qas@contoso.example")
    for minutes in (10, 0):
        checked(system, "failed", django_capture_on_commit_callbacks, minutes)
    assert sorted(m.to[0] for m in mail.outbox) == ["dmz@contoso.example", "qas@contoso.example"]  # one mail each


def test_a_muted_system_is_told_after_its_window_only_if_the_change_still_holds(
    prd, django_capture_on_commit_callbacks
):
    for minutes in (90, 80):
        checked(prd, "passed", django_capture_on_commit_callbacks, minutes)
    SystemAlerting.objects.filter(system=prd).update(muted_until=timezone.now() + timedelta(hours=1))
    for minutes in (70, 60):
        checked(prd, "failed", django_capture_on_commit_callbacks, minutes)
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="alert.muted", system=prd).count() == 1
    for minutes in (50, 40):  # back before the window ends: nothing to tell
        checked(prd, "passed", django_capture_on_commit_callbacks, minutes)
    for minutes in (30, 20):
        checked(prd, "failed", django_capture_on_commit_callbacks, minutes)
    SystemAlerting.objects.filter(system=prd).update(muted_until=timezone.now() - timedelta(minutes=1))
    assert mail.outbox == []
    checked(prd, "failed", django_capture_on_commit_callbacks, 10)  # the first run after the window
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["[Mail health] PRD/100 is red"]


def test_every_notification_is_in_the_audit_log(prd, django_capture_on_commit_callbacks):
    for minutes in (10, 0):
        checked(prd, "failed", django_capture_on_commit_callbacks, minutes)
    actions = list(AuditEvent.objects.filter(system=prd).order_by("id").values_list("action", "source"))
    assert actions == [("alert.raised", "monitor"), ("alert.sent", "monitor")]
    sent = AuditEvent.objects.get(action="alert.sent")
    assert sent.changes["to"] == [None, "basis@contoso.example (the system's contact)"]
    assert Delivery.objects.get().state == "sent"


def test_an_aborted_run_changes_nothing(prd, django_capture_on_commit_callbacks):
    run = finished_run(prd, "failed", **TOKEN)
    run.state = "aborted"
    after_run(run)
    assert not SystemAlerting.objects.exists() and mail.outbox == []
