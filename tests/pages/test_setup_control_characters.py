"""The Configuration form and the Steps tab refuse a control character, naming the field."""

from __future__ import annotations

import pytest

from portal.models import AuditEvent, MailSetup
from tests.support.pages import make_system

pytestmark = pytest.mark.django_db

RELAY = {
    "option": "relay_connector", "cloud": "global", "sender": "sap-dev@contoso.com", "egress_ips": "203.0.113.5",
    "connector": "SAP relay", "smtp_host": "", "smtp_port": "", "tls": "", "test_recipient": "", "credential": "secret",
}  # fmt: skip


@pytest.fixture
def dev():
    return make_system("DEV", "200", option="relay_connector")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("connector", "X\u2019;\u2028Remove-InboundConnector -Identity Corp", "Connector name contains a line separator (U+2028)"),
        ("connector", "SAP\u202erelay", "Connector name contains a bidirectional control character (U+202E)"),
        ("connector", "SAP\x1brelay", "Connector name contains a control character (U+001B)"),
        ("smtp_host", "mail\n.contoso.com", "contains a line break (U+000A)"),  # the field's own rule says it first
        ("sender", '"a\x01b"@contoso.com', "contains a control character (U+0001)"),
    ],
)  # fmt: skip
def test_the_form_refuses_a_control_character_naming_the_field(client, basis_admin, dev, field, value, message):
    client.force_login(basis_admin)
    response = client.post("/systems/DEV/200/configuration/", {**RELAY, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}_error"' in page
    assert MailSetup.objects.get().connector == ""  # nothing saved
    assert not AuditEvent.objects.exists()


def test_the_rules_checked_as_you_type_name_the_field_too(client, basis_admin, dev):
    client.force_login(basis_admin)
    fragment = client.post(
        "/systems/DEV/200/configuration/check/", {**RELAY, "connector": "SAP\nrelay"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Connector name contains a line break (U+000A)" in fragment


def test_a_name_with_look_alike_quotes_is_saved_and_quoted_in_the_steps(client, basis_admin, dev):
    client.force_login(basis_admin)
    name = "X\u2019; Remove-InboundConnector -Identity Corp -Confirm:$false #"
    assert client.post("/systems/DEV/200/configuration/", {**RELAY, "connector": name}).status_code == 302
    markdown = client.get("/systems/DEV/200/steps.md").content.decode()
    assert (
        "New-InboundConnector -Name 'X\u2019\u2019; Remove-InboundConnector -Identity Corp -Confirm:$false #'"
        in markdown
    )


def test_the_steps_of_a_setup_stored_with_a_control_character_are_refused_naming_the_field(client, basis_admin, dev):
    MailSetup.objects.filter(system=dev).update(connector="SAP\nrelay\u2028Remove-InboundConnector")
    client.force_login(basis_admin)
    response = client.get("/systems/DEV/200/steps/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The steps are not generated" in page
    assert "Connector name contains a line break (U+000A)" in page
    assert "New-InboundConnector" not in page and "Remove-InboundConnector" not in page
    markdown = client.get("/systems/DEV/200/steps.md").content.decode()
    assert "not generated" in markdown and "Remove-InboundConnector" not in markdown
