"""Early warnings, once per threshold: expiring secrets and certificates, Basic-auth milestones, a new root CA."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.models import MailSetup
from portal.monitoring import early_warnings
from portal.monitoring.changes import after_run
from portal.monitoring.models import Alert, Subscription, SystemAlerting
from tests.support.pages import finished_run, make_system

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "mail_backend")]
TODAY = date(2026, 11, 30)


def send(day: date, capture) -> int:
    with capture(execute=True):
        return early_warnings.send(day)


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(31, None), (30, 30), (20, 30), (10, 14), (14, 14), (8, 14), (7, 7), (1, 1), (0, 1), (-1, None)],
)
def test_the_threshold_is_the_nearest_one_reached(days_left, expected):
    assert early_warnings.threshold(days_left, (30, 14, 7, 1)) == expected


def test_a_secret_is_warned_about_once_per_threshold_even_when_the_task_runs_again(django_capture_on_commit_callbacks):
    make_system(contact_email="basis@contoso.example")
    MailSetup.objects.update(secret_expires=TODAY + timedelta(days=30))
    sent = []
    for offset in range(0, 31):  # the hourly task, a month long; twice a day here
        for _ in range(2):
            sent.append(send(TODAY + timedelta(days=offset), django_capture_on_commit_callbacks))
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        "[Mail health] PRD/100: the client secret expires in 30 days (30 Dec 2026)",
        "[Mail health] PRD/100: the client secret expires in 14 days (30 Dec 2026)",
        "[Mail health] PRD/100: the client secret expires in 7 days (30 Dec 2026)",
        "[Mail health] PRD/100: the client secret expires tomorrow (30 Dec 2026)",
    ]
    assert sum(sent) == 4
    assert "Create a new" in mail.outbox[0].body or "Add the new secret" in mail.outbox[0].body


def test_what_was_sent_is_stored_so_a_restart_sends_nothing_again(django_capture_on_commit_callbacks):
    make_system(contact_email="basis@contoso.example")
    MailSetup.objects.update(secret_expires=TODAY + timedelta(days=10))
    assert send(TODAY, django_capture_on_commit_callbacks) == 1
    assert list(Alert.objects.values_list("key", flat=True)) == ["expiry:client secret:2026-12-10:14"]
    # A new process knows only the database: the same day, and the next, are quiet.
    assert send(TODAY, django_capture_on_commit_callbacks) == 0
    assert send(TODAY + timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1


def test_a_renewed_secret_starts_its_own_thresholds(django_capture_on_commit_callbacks):
    make_system(contact_email="basis@contoso.example")
    MailSetup.objects.update(secret_expires=TODAY + timedelta(days=7))
    send(TODAY, django_capture_on_commit_callbacks)
    MailSetup.objects.update(secret_expires=TODAY + timedelta(days=30))
    send(TODAY, django_capture_on_commit_callbacks)
    assert [m.subject.split(": ", 1)[1] for m in mail.outbox] == [
        "the client secret expires in 7 days (07 Dec 2026)", "the client secret expires in 30 days (30 Dec 2026)"]  # fmt: skip


def test_a_certificate_credential_is_warned_about_by_its_own_date(django_capture_on_commit_callbacks):
    make_system(contact_email="basis@contoso.example")
    MailSetup.objects.update(credential="certificate", certificate_expires=TODAY + timedelta(days=14),
                             secret_expires=TODAY + timedelta(days=200))  # fmt: skip
    send(TODAY, django_capture_on_commit_callbacks)
    assert [m.subject for m in mail.outbox] == [
        "[Mail health] PRD/100: the certificate expires in 14 days (14 Dec 2026)"]  # fmt: skip


def test_each_basic_auth_milestone_is_announced_30_and_7_days_ahead_for_systems_still_on_basic(
    settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASIC_AUTH_MILESTONES = [{"date": "2026-12-31", "what": "Basic auth off by default.",
                                              "source": "MC test"}]  # fmt: skip
    make_system("DEV", option="smtp_basic", contact_email="dev@contoso.example")
    make_system("PRD", contact_email="prd@contoso.example")  # on OAuth 2.0: not concerned
    for offset in range(0, 40):
        send(TODAY - timedelta(days=5) + timedelta(days=offset), django_capture_on_commit_callbacks)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["dev@contoso.example"], "[Mail health] DEV/100 still uses Basic auth: Microsoft's milestone of 31 Dec 2026 is in 30 days"),
        (["dev@contoso.example"], "[Mail health] DEV/100 still uses Basic auth: Microsoft's milestone of 31 Dec 2026 is in 7 days"),
    ]  # fmt: skip
    assert "Source: MC test" in mail.outbox[0].body


def test_a_subscription_may_leave_out_early_warnings_and_a_muted_system_gets_them_after_its_window(
    django_capture_on_commit_callbacks,
):
    Subscription.objects.create(name="changes only", email="changes@contoso.example", early_warnings=False)
    Subscription.objects.create(name="everything", email="all@contoso.example")
    system = make_system()
    MailSetup.objects.update(secret_expires=TODAY + timedelta(days=14))
    SystemAlerting.objects.create(system=system, muted_until=timezone.now() + timedelta(hours=2))
    assert send(TODAY, django_capture_on_commit_callbacks) == 0
    SystemAlerting.objects.update(muted_until=None)
    assert send(TODAY, django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mail.outbox] == [["all@contoso.example"]]


def _tls_run(system, root: str, minutes_ago: int):
    evidence = f"verified chain:\n0: leaf\nroot for STRUST: {root}"
    return finished_run(system, "passed", at=timezone.now() - timedelta(minutes=minutes_ago), key="tls.certificate",
                        evidence=evidence)  # fmt: skip


def test_a_new_root_ca_is_told_once_with_what_strust_needs(django_capture_on_commit_callbacks):
    system = make_system(contact_email="basis@contoso.example")
    old, new = "DigiCert Global Root CA (SHA-1 A8985D3A)", "DigiCert Global Root G2 (SHA-1 DF3C24F9)"
    for minutes, root in ((40, old), (30, old), (20, new), (10, new), (5, old), (0, new)):
        with django_capture_on_commit_callbacks(execute=True):
            after_run(_tls_run(system, root, minutes))
    subjects = [m.subject for m in mail.outbox]
    assert subjects == ["[Mail health] PRD/100: the root CA changed — update STRUST",
                        "[Mail health] PRD/100: the root CA changed — update STRUST"]  # fmt: skip
    first = mail.outbox[0].body
    assert f"Root CA now: {new}" in first and f"Root CA before: {old}" in first and "STRUST" in first
    assert Alert.objects.filter(kind="root_ca").count() == 2  # old→new once, new→old once, the flip back: nothing
