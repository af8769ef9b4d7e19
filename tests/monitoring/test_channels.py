"""Teams (an Adaptive Card through a Workflows webhook) and a generic JSON webhook, against a receiver on
loopback; a failing channel is retried with back-off, audited, and its URL never shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.models import AuditEvent
from portal.monitoring import outbox
from portal.monitoring.changes import after_run
from portal.monitoring.models import Delivery, Subscription
from tests.support.network import free_port
from tests.support.pages import finished_run, make_system

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "mail_backend")]
TOKEN = {"key": "oauth.token", "code": "AADSTS7000222", "summary": "The client secret expired", "remedy": "Renew it."}


def turn_red(system, capture) -> None:
    for minutes in (10, 0):
        with capture(execute=True):
            after_run(finished_run(system, "failed", at=timezone.now() - timedelta(minutes=minutes), **TOKEN))


def test_teams_gets_an_adaptive_card_in_a_message_attachment(receiver, django_capture_on_commit_callbacks):
    Subscription.objects.create(name="Basis channel", channel="teams", url=receiver.url("/workflows/abc?sig=KEY"))
    turn_red(make_system(), django_capture_on_commit_callbacks)
    [body] = receiver.bodies()
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    facts = {fact["title"]: fact["value"] for fact in next(b for b in card["body"] if b["type"] == "FactSet")["facts"]}
    assert facts["Code"] == "AADSTS7000222" and facts["Failing check"] == "Token (oauth.token)"
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open PRD/100",
                                "url": "http://127.0.0.1:8000/systems/PRD/100/"}]  # fmt: skip
    assert receiver.received[0].path == "/workflows/abc?sig=KEY"


def test_a_json_webhook_gets_the_facts_by_name(receiver, django_capture_on_commit_callbacks):
    Subscription.objects.create(name="ticketing", channel="webhook", url=receiver.url("/alerts"))
    turn_red(make_system(), django_capture_on_commit_callbacks)
    [body] = receiver.bodies("/alerts")
    assert {k: body[k] for k in ("event", "system", "health", "previous_health", "code", "check", "url")} == {
        "event": "health", "system": "PRD/100", "health": "red", "previous_health": "unknown",
        "code": "AADSTS7000222", "check": "oauth.token", "url": "http://127.0.0.1:8000/systems/PRD/100/",
    }  # fmt: skip
    assert body["remedy"] == "Renew it." and body["since"]


def test_a_failing_channel_is_retried_with_back_off_and_every_failure_is_audited(
    receiver, settings, django_capture_on_commit_callbacks
):
    receiver.fail_first = 2
    Subscription.objects.create(name="flaky", channel="webhook", url=receiver.url("/secret-path?code=S3CRET"))
    Subscription.objects.create(name="mail", email="oncall@contoso.example")
    turn_red(make_system(), django_capture_on_commit_callbacks)
    assert len(receiver.bodies()) == 3 and len(mail.outbox) == 1  # the mail went out whatever the webhook did
    hook = Delivery.objects.get(channel="webhook")
    assert (hook.state, hook.attempts) == ("sent", 3)
    failures = AuditEvent.objects.filter(action="alert.delivery_failed")
    assert [event.changes["error"][1] for event in failures] == [
        "the webhook answered HTTP 500 Internal Server Error"
    ] * 2
    log = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert "S3CRET" not in log and "secret-path" not in log and str(receiver.port) not in log


def test_the_back_off_doubles_and_the_channel_is_given_up_after_its_attempts(
    settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_ALERT_RETRY_SECONDS, settings.PORTAL_ALERT_ATTEMPTS = 60, 3
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = True  # a closed port on loopback: connection refused
    Subscription.objects.create(name="down", channel="webhook", url=f"http://127.0.0.1:{free_port()}/hook?key=S3CRET")
    system = make_system()
    with django_capture_on_commit_callbacks(execute=False):
        for minutes in (10, 0):
            after_run(finished_run(system, "failed", at=timezone.now() - timedelta(minutes=minutes), **TOKEN))
    delivery = Delivery.objects.get()
    now = timezone.now()
    assert outbox.deliver(delivery.pk, now) == 60.0
    assert outbox.deliver(delivery.pk, now) is None  # not due yet: a duplicate message sends nothing
    assert outbox.deliver(delivery.pk, now + timedelta(seconds=61)) == 120.0
    assert outbox.deliver(delivery.pk, now + timedelta(seconds=200)) is None
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 3)
    assert delivery.last_error == "the webhook's host could not be reached (connection refused, DNS or TLS)"
    assert AuditEvent.objects.filter(action="alert.undelivered").count() == 1
    assert "S3CRET" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_a_delivery_whose_message_was_lost_is_sent_by_the_overdue_sweep(django_capture_on_commit_callbacks):
    system = make_system(contact_email="basis@contoso.example")
    with django_capture_on_commit_callbacks(execute=False):  # the broker never got the message
        for minutes in (10, 0):
            after_run(finished_run(system, "failed", at=timezone.now() - timedelta(minutes=minutes), **TOKEN))
    assert mail.outbox == [] and outbox.send_overdue() == 0  # not overdue yet
    assert outbox.send_overdue(timezone.now() + timedelta(minutes=2)) == 1
    assert len(mail.outbox) == 1 and Delivery.objects.get().state == "sent"


@pytest.fixture
def webhook_names(lab, settings):
    """Names for webhook hosts in the lab's DNS, which the portal's resolver asks; undone afterwards."""
    settings.PORTAL_DNS_NAMESERVERS = lab.dns.nameservers
    baseline = lab.dns.records.snapshot()
    yield lab.dns.records
    lab.dns.records.restore(baseline)


def _deliver_to(url: str, capture) -> Delivery:
    Subscription.objects.create(name="hook", channel="webhook", url=url)
    turn_red(make_system(), capture)
    return Delivery.objects.get(channel="webhook")


def test_a_webhook_name_that_resolves_to_this_machine_gets_nothing(
    receiver, webhook_names, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = False
    webhook_names.add("hooks.rebound.lab.test", "A", "127.0.0.1")
    url = receiver.url("/hook").replace("127.0.0.1", "hooks.rebound.lab.test")
    delivery = _deliver_to(url, django_capture_on_commit_callbacks)
    assert receiver.received == []
    assert delivery.state == "failed"
    assert "resolves to 127.0.0.1, which is the portal's own machine (loopback)" in delivery.last_error


def test_a_webhook_name_that_resolves_to_instance_metadata_is_refused_before_any_connection(
    webhook_names, settings, django_capture_on_commit_callbacks
):
    webhook_names.add("metadata.rebound.lab.test", "A", "10.1.2.3")
    webhook_names.add("metadata.rebound.lab.test", "A", "169.254.169.254")
    delivery = _deliver_to("http://metadata.rebound.lab.test/latest/", django_capture_on_commit_callbacks)
    assert "169.254.169.254, which is a link-local" in delivery.last_error  # one bad address refuses the name


def test_a_literal_address_saved_before_the_forms_rule_is_refused_when_sent(django_capture_on_commit_callbacks):
    delivery = _deliver_to("http://169.254.169.254/latest/meta-data/", django_capture_on_commit_callbacks)
    assert delivery.last_error.startswith("refused: the host 169.254.169.254 is a link-local")


def test_a_webhook_name_is_posted_to_the_address_that_was_checked(
    receiver, webhook_names, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = True  # the lab's receiver listens on loopback
    webhook_names.add("hooks.lab.test", "A", "127.0.0.1")
    url = receiver.url("/hook").replace("127.0.0.1", "hooks.lab.test")
    delivery = _deliver_to(url, django_capture_on_commit_callbacks)
    assert delivery.state == "sent", delivery.last_error
    assert receiver.received[0].headers["Host"].startswith("hooks.lab.test:")
