"""The subscriptions page (Basis admins only; a webhook URL is write-only) and a system's maintenance window."""

from __future__ import annotations

import pytest

from portal.models import AuditEvent
from portal.monitoring.models import Subscription, SystemAlerting

pytestmark = pytest.mark.django_db


def test_only_basis_admins_may_open_the_subscriptions_page(client, helpdesk, manager, basis_admin):
    for user in (helpdesk, manager):
        client.force_login(user)
        assert client.get("/alerts/").status_code == 403
    client.force_login(basis_admin)
    page = client.get("/alerts/").content.decode()
    assert "Add a subscription" in page and 'href="/alerts/"' in page  # and the menu links to it


def test_a_webhook_url_is_stored_encrypted_and_never_shown_back(client, basis_admin):
    client.force_login(basis_admin)
    url = "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=TOPSECRET"
    answer = client.post("/alerts/", {"name": "Basis channel", "scope": "role", "value": "PRD", "channel": "teams",
                                      "new_url": url, "early_warnings": "on"})  # fmt: skip
    assert answer.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.url.reveal() == url
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT url FROM monitoring_subscription")
        assert "TOPSECRET" not in cursor.fetchone()[0]
    for page in (client.get("/alerts/"), client.get(f"/alerts/{subscription.pk}/")):
        assert "TOPSECRET" not in page.content.decode() and "logic.azure.com" not in page.content.decode()
    client.post(f"/alerts/{subscription.pk}/", {"name": "Basis channel (renamed)", "scope": "role", "value": "PRD",
                                                  "channel": "teams", "new_url": ""})  # fmt: skip
    subscription.refresh_from_db()
    assert subscription.name == "Basis channel (renamed)" and subscription.url.reveal() == url  # kept


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"scope": "role", "value": "PROD", "channel": "email", "email": "a@contoso.example"},
            "value",
            "is not one of",
        ),
        ({"scope": "option", "value": "", "channel": "email", "email": "a@contoso.example"}, "value", "Name the role"),
        ({"scope": "all", "channel": "email", "email": ""}, "email", "needs the address"),
        ({"scope": "all", "channel": "webhook", "new_url": ""}, "new_url", "needs the URL"),
        ({"scope": "all", "channel": "teams", "new_url": "javascript:alert(1)"}, "new_url", "starting with https://"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(client, basis_admin, data, field, message):
    client.force_login(basis_admin)
    answer = client.post("/alerts/", {"name": "x", **data})
    assert answer.status_code == 200
    assert message in answer.content.decode() and f'id="id_{field}_error"' in answer.content.decode()
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1:8000/admin/", "http://localhost:6379/", "http://LOCALHOST/", "http://x.localhost/",
     "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/",
     "http://[fe80::1]/"],
)  # fmt: skip
def test_a_webhook_may_not_aim_the_workers_at_this_machine_or_at_cloud_metadata(client, basis_admin, settings, url):
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = False
    client.force_login(basis_admin)
    answer = client.post("/alerts/", {"name": "x", "scope": "all", "channel": "webhook", "new_url": url})
    page = answer.content.decode()
    assert answer.status_code == 200 and 'id="id_new_url_error"' in page
    assert "loopback" in page or "link-local, unspecified, multicast or reserved" in page
    assert not Subscription.objects.exists()


def test_a_webhook_inside_the_network_or_on_the_labs_loopback_is_taken(client, basis_admin, settings):
    client.force_login(basis_admin)
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = False
    data = {"name": "monitoring", "scope": "all", "channel": "webhook", "new_url": "http://10.1.2.3/hooks/mail"}
    assert client.post("/alerts/", data).status_code == 302
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = True  # the lab's stand-in webhook listens on loopback
    assert client.post("/alerts/", {**data, "name": "lab", "new_url": "http://127.0.0.1:9/hook"}).status_code == 302
    assert Subscription.objects.count() == 2


def test_a_subscription_can_be_removed(client, basis_admin):
    subscription = Subscription.objects.create(name="old", email="old@contoso.example")
    client.force_login(basis_admin)
    assert client.post(f"/alerts/{subscription.pk}/delete/").status_code == 302
    assert not Subscription.objects.exists()


def test_a_basis_admin_mutes_a_system_for_a_maintenance_window_on_its_configuration_tab(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert "Mute alerts until" in page
    client.post("/systems/PRD/100/alerts/mute/", {"muted_until": "2099-12-31T22:00", "mute_reason": "kernel upgrade"})
    state = SystemAlerting.objects.get(system=prd)
    assert state.is_muted and state.mute_reason == "kernel upgrade"
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert "Muted until 31 Dec 2099 22:00</strong>: kernel upgrade" in page
    assert "Alerts muted (maintenance window)" in page or "Alerts muted until set to 31 Dec 2099 22:00" in page
    client.post("/systems/PRD/100/alerts/mute/", {"muted_until": ""})
    assert not SystemAlerting.objects.get(system=prd).is_muted
    assert AuditEvent.objects.filter(action="system.alerts_muted").count() == 2


def test_a_mute_date_that_is_not_a_date_is_refused_by_name(client, basis_admin, prd):
    client.force_login(basis_admin)
    answer = client.post("/systems/PRD/100/alerts/mute/", {"muted_until": "next tuesday"}, follow=True)
    assert "Alerts not muted: Enter a valid date/time." in answer.content.decode()
    assert not SystemAlerting.objects.filter(system=prd, muted_until__isnull=False).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"muted_until": "2020-01-01T10:00", "mute_reason": "old"}, "Alerts not muted: 01 Jan 2020 10:00 has passed"),
        ({"muted_until": "٢٠٩٩-١٢-٣١T22:00"}, "Alerts not muted: Write the date and time with the digits 0-9"),
        ({"muted_until": "2099-12-31T22:00", "mute_reason": "r" * 201}, "Alerts not muted: Why: Ensure this value"),
    ],
    ids=["past", "arabic-digits", "long-reason"],
)
def test_a_mute_that_cannot_be_meant_is_refused_with_its_field_and_nothing_is_stored(
    client, basis_admin, prd, data, message
):
    client.force_login(basis_admin)
    answer = client.post("/systems/PRD/100/alerts/mute/", data, follow=True)
    assert answer.status_code == 200 and message in answer.content.decode()
    assert not SystemAlerting.objects.filter(system=prd, muted_until__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="system.alerts_muted").exists()


def test_the_helpdesk_may_not_mute(client, helpdesk, prd):
    client.force_login(helpdesk)
    assert client.post("/systems/PRD/100/alerts/mute/", {"muted_until": "2099-12-31T22:00"}).status_code == 403
