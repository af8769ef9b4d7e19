from __future__ import annotations

import re

import pytest

from connectors.config import CREDENTIALS
from portal.forms import CREDENTIAL_FIELDS
from portal.models import AuditEvent, MailSetup
from tests.support.pages import make_system

pytestmark = pytest.mark.django_db

OAUTH = {
    "option": "oauth2", "tenant": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "mailbox": "sap-prd@contoso.com", "sender": "sap-prd@contoso.com", "credential": "secret", "cloud": "global",
    "smtp_host": "", "smtp_port": "", "tls": "", "test_recipient": "", "secret_expires": "",
    "certificate_thumbprint": "", "certificate_expires": "", "secret_action": "keep", "new_secret": "",
}  # fmt: skip


def test_the_form_shows_the_fields_of_the_option_and_never_the_secret(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert 'name="tenant"' in page and 'name="client_id"' in page
    assert 'name="connector"' not in page
    assert "A client secret is stored" in page
    assert "never-show-me" not in page


def test_switching_the_option_returns_only_that_options_fields(client, basis_admin, prd):
    client.force_login(basis_admin)
    response = client.get(
        "/systems/PRD/100/configuration/?option=relay_connector&sender=typed@contoso.com",
        headers={"HX-Request": "true"},
    )
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="setup-fields">')
    assert 'name="connector"' in fragment and 'name="tenant"' not in fragment
    assert 'value="typed@contoso.com"' in fragment
    assert "secret" not in fragment.lower() or "new_secret" not in fragment


def test_saving_keeps_the_secret_and_audits_the_change(client, basis_admin, prd):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/configuration/", {**OAUTH, "sender": "alerts@contoso.com"})
    assert response.status_code == 302
    setup = MailSetup.objects.get()
    assert setup.client_secret.reveal() == "never-show-me"
    event = AuditEvent.objects.get()
    assert event.action == "mail_setup.updated" and event.actor == basis_admin and event.source == "web"
    assert event.changes == {"sender": ["sap-prd@contoso.com", "alerts@contoso.com"]}


@pytest.mark.parametrize(
    ("action", "expected", "audited"), [("replace", "new-secret", "replaced"), ("clear", "", "cleared")]
)
def test_a_secret_can_be_replaced_or_cleared_and_the_log_holds_no_value(
    client, basis_admin, prd, action, expected, audited
):
    client.force_login(basis_admin)
    client.post("/systems/PRD/100/configuration/", {**OAUTH, "secret_action": action, "new_secret": "new-secret"})
    assert MailSetup.objects.get().client_secret.reveal() == expected
    event = AuditEvent.objects.get()
    assert event.changes == {"client_secret": audited}
    assert "new-secret" not in str(event.changes)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert f"Client secret or password {audited} <span" in page  # the recent changes say what happened, not the value
    assert "new-secret" not in page


def test_replacing_without_a_value_is_refused_with_a_message(client, basis_admin, prd):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/configuration/", {**OAUTH, "secret_action": "replace"})
    assert response.status_code == 200
    assert "Type the new secret" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [("client_id", "not-a-guid"), ("mailbox", "no address"), ("smtp_port", "abc"), ("smtp_host", "bad host!"),
     ("secret_expires", "2026-13-45"), ("option", "pigeon"), ("tenant", "x" * 400)],
)  # fmt: skip
def test_malformed_values_re_render_the_form_with_a_message_not_an_error_page(client, basis_admin, prd, field, value):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/configuration/", {**OAUTH, field: value})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_private_egress_ips_are_refused(client, basis_admin):
    make_system("DEV", "200", option="direct_send")
    client.force_login(basis_admin)
    response = client.post(
        "/systems/DEV/200/configuration/",
        {"option": "direct_send", "sender": "sap@contoso.com", "egress_ips": "10.1.2.3", "cloud": "global"},
    )
    assert response.status_code == 200
    assert 'id="id_egress_ips_error"' in response.content.decode()  # the validator's own words may change


def test_a_new_setup_is_created_for_a_system_without_one_and_warnings_show(client, basis_admin):
    make_system("DEV", "200", option=None, basis_release=740)
    client.force_login(basis_admin)
    response = client.post(
        "/systems/DEV/200/configuration/", {**OAUTH, "secret_action": "replace", "new_secret": "s3cr3t"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get().action == "mail_setup.created"
    page = client.get("/systems/DEV/200/configuration/").content.decode()
    assert "7.50" in page  # the connector warns: release 7.40 cannot do OAuth
    assert "s3cr3t" not in page


def test_helpdesk_and_managers_cannot_edit(client, helpdesk, manager, prd):
    for user in (helpdesk, manager):
        client.force_login(user)
        assert client.get("/systems/PRD/100/configuration/").status_code == 403
        assert client.post("/systems/PRD/100/configuration/", OAUTH).status_code == 403


def test_without_javascript_switching_the_option_shows_its_fields_and_saves_nothing(client, basis_admin, prd):
    client.force_login(basis_admin)
    response = client.post(
        "/systems/PRD/100/configuration/",
        {
            **OAUTH,
            "option": "relay_connector",
            "switch": "1",
            "sender": "typed@contoso.com",
            "new_secret": "typed-secret",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="connector"' in page and 'value="typed@contoso.com"' in page
    assert "typed-secret" not in page
    assert MailSetup.objects.get().option == "oauth2"
    assert not AuditEvent.objects.exists()


def test_uploading_sap_s_certificate_records_thumbprint_and_expiry(client, basis_admin, prd):
    import trustme
    from django.core.files.uploadedfile import SimpleUploadedFile

    cert = trustme.CA().issue_cert("sap-prd.contoso.com")
    pem = cert.cert_chain_pems[0].bytes()
    client.force_login(basis_admin)
    upload = SimpleUploadedFile("sap.crt", pem)
    response = client.post(
        "/systems/PRD/100/configuration/", {**OAUTH, "credential": "certificate", "certificate_file": upload}
    )
    assert response.status_code == 302
    setup = MailSetup.objects.get()
    assert len(setup.certificate_thumbprint) == 40 and setup.certificate_expires is not None
    assert setup.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert "certificate_thumbprint" in AuditEvent.objects.get().changes


@pytest.mark.parametrize("content", [b"hello", b"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n"])
def test_a_file_that_is_not_a_certificate_is_refused(client, basis_admin, prd, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(basis_admin)
    upload = SimpleUploadedFile("x.pem", content)
    response = client.post(
        "/systems/PRD/100/configuration/", {**OAUTH, "credential": "certificate", "certificate_file": upload}
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert MailSetup.objects.get().certificate_pem == ""


def test_the_rules_are_checked_as_typed_without_saving(client, basis_admin, prd):
    client.force_login(basis_admin)
    response = client.post(
        "/systems/PRD/100/configuration/check/", {**OAUTH, "smtp_port": "25"}, headers={"HX-Request": "true"}
    )
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="setup-problems"')
    assert "SMTP port" in fragment
    assert "As typed, not saved yet" in fragment
    assert not AuditEvent.objects.exists() and MailSetup.objects.get().smtp_port is None


def test_malformed_values_are_named_while_typing(client, basis_admin, prd):
    client.force_login(basis_admin)
    fragment = client.post("/systems/PRD/100/configuration/check/", {**OAUTH, "client_id": "nope"}).content.decode()
    assert "Client ID</a></strong> (must be corrected)" in fragment


def test_checking_as_typed_needs_the_edit_permission(client, helpdesk, prd):
    client.force_login(helpdesk)
    assert client.post("/systems/PRD/100/configuration/check/", OAUTH).status_code == 403


def _pair(name: str = "portal-test.contoso.com"):
    import trustme

    leaf = trustme.CA().issue_cert(name)
    return leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes()


def test_a_matching_test_key_is_stored_encrypted_and_never_shown(client, basis_admin, prd):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cert, key = _pair()
    client.force_login(basis_admin)
    response = client.post(
        "/systems/PRD/100/configuration/",
        {**OAUTH, "credential": "certificate", "certificate_file": SimpleUploadedFile("t.crt", cert),
         "test_key_file": SimpleUploadedFile("t.key", key)},
    )  # fmt: skip
    assert response.status_code == 302
    setup = MailSetup.objects.get()
    assert "PRIVATE KEY" in setup.private_key.reveal() and setup.to_config().has_private_key
    assert AuditEvent.objects.get().changes["private_key"] == "set"
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    body = key.decode().splitlines()[1]
    assert body not in page and body not in str(AuditEvent.objects.get().changes)
    client.post("/systems/PRD/100/configuration/", {**OAUTH, "credential": "certificate", "clear_test_key": "on"})
    assert not MailSetup.objects.get().private_key.is_set


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(client, basis_admin, prd):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cert, _ = _pair()
    _, other_key = _pair("other.contoso.com")
    client.force_login(basis_admin)
    response = client.post(
        "/systems/PRD/100/configuration/",
        {**OAUTH, "credential": "certificate", "certificate_file": SimpleUploadedFile("t.crt", cert),
         "test_key_file": SimpleUploadedFile("t.key", other_key)},
    )  # fmt: skip
    assert response.status_code == 200
    assert "does not belong to the certificate" in response.content.decode()
    assert not MailSetup.objects.get().private_key.is_set
    response = client.post(
        "/systems/PRD/100/configuration/",
        {**OAUTH, "credential": "certificate", "test_key_file": SimpleUploadedFile("t.key", b"not a key")},
    )
    assert "not an unencrypted private key" in response.content.decode()


def test_stored_egress_ips_are_shown_as_typed_not_as_a_list(client, basis_admin, prd):
    MailSetup.objects.filter(system=prd).update(option="relay_connector", egress_ips=["203.0.113.5", "198.51.100.7"])
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert 'value="203.0.113.5 198.51.100.7"' in page


@pytest.mark.parametrize("option", ["smtp_basic", "direct_send", "relay_connector", "relay_server"])
def test_the_option_list_marks_the_saved_option_so_saving_keeps_it(client, basis_admin, option):
    make_system("DEV", "300", option=option)
    client.force_login(basis_admin)
    page = client.get("/systems/DEV/300/configuration/").content.decode()
    selected = re.findall(
        r'<option value="([a-z_0-9]+)"[^>]*\bselected\b', page.split('id="id_option"')[1].split("</select>")[0]
    )
    assert selected == [option]


def test_dates_are_shown_and_typed_as_on_every_other_page(client, basis_admin, prd):
    MailSetup.objects.filter(system=prd).update(secret_expires="2026-11-18")
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert 'name="secret_expires" value="18 Nov 2026"' in page
    assert 'type="date"' not in page
    for typed in ("03 Dec 2026", "3 dec 2026", "2026-12-03"):
        response = client.post("/systems/PRD/100/configuration/", {**OAUTH, "secret_expires": typed})
        assert response.status_code == 302, typed
        assert str(MailSetup.objects.get().secret_expires) == "2026-12-03"


def test_a_client_secret_hides_the_certificate_fields_and_the_reverse(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert 'name="new_secret"' in page and 'name="secret_expires"' in page
    assert 'name="certificate_thumbprint"' not in page and 'name="certificate_file"' not in page
    fragment = client.get(
        "/systems/PRD/100/configuration/?option=oauth2&credential=certificate&tenant=typed.onmicrosoft.com",
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'name="certificate_thumbprint"' in fragment and 'name="certificate_file"' in fragment
    assert 'name="new_secret"' not in fragment and 'name="secret_expires"' not in fragment
    assert '<option value="certificate" selected>' in fragment
    assert 'value="typed.onmicrosoft.com"' in fragment  # what was typed survives the switch


def test_without_javascript_switching_the_credential_shows_its_fields_and_saves_nothing(client, basis_admin, prd):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/configuration/", {**OAUTH, "credential": "certificate", "switch": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="certificate_thumbprint"' in page and 'name="new_secret"' not in page
    assert MailSetup.objects.get().credential == "secret" and not AuditEvent.objects.exists()


def test_the_enterprise_application_object_id_is_edited_in_the_form(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert 'name="service_principal_id"' in page and "Enterprise application Object ID" in page
    object_id = "99999999-8888-7777-6666-555555555555"
    response = client.post("/systems/PRD/100/configuration/", {**OAUTH, "service_principal_id": object_id})
    assert response.status_code == 302
    assert MailSetup.objects.get().service_principal_id == object_id
    response = client.post("/systems/PRD/100/configuration/", {**OAUTH, "service_principal_id": "not-a-guid"})
    assert 'id="id_service_principal_id_error"' in response.content.decode()


def test_live_check_problems_are_told_at_their_field_as_well_as_in_the_summary(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert re.search(
        r'name="client_id"[^>]*aria-describedby="id_client_id_helptext id_client_id_check"', page
    ) or re.search(r'aria-describedby="id_client_id_helptext id_client_id_check"[^>]*name="client_id"', page)
    fragment = client.post(
        "/systems/PRD/100/configuration/check/", {**OAUTH, "client_id": "nope"}, headers={"HX-Request": "true"}
    ).content.decode()
    slot = re.search(r'<div class="field-check" id="id_client_id_check" hx-swap-oob="true">(.*?)</div>', fragment)
    assert slot and "Must be corrected:" in slot.group(1)
    assert '<div class="field-check" id="id_tenant_check" hx-swap-oob="true"></div>' in fragment  # emptied
    assert 'href="#id_client_id">Client ID</a>' in fragment  # the summary links to the field


def test_a_new_setup_says_no_secret_is_stored_and_a_password_option_says_password(client, basis_admin):
    make_system("DEV", "200", option=None)
    make_system("BAS", "100", option="smtp_basic")
    client.force_login(basis_admin)
    page = client.get("/systems/DEV/200/configuration/").content.decode()
    assert "No client secret stored yet" in page and "Keep the stored" not in page
    page = client.get("/systems/BAS/100/configuration/").content.decode()
    assert "<legend>Password (write-only)</legend>" in page and "Keep the stored password" in page
    assert "New password" in page and "client secret" not in page.lower().split("<main")[1].split("</form>")[0]
    health = client.get("/systems/BAS/100/").content.decode()
    assert "<dt>Password</dt><dd>stored (write-only)" in health and "Client secret" not in health


def test_recent_changes_read_as_sentences(client, basis_admin, prd):
    client.force_login(basis_admin)
    client.post("/systems/PRD/100/edit/", {"description": "PRD system", "role": "PRD", "basis_release": "8.16"})
    client.post("/systems/PRD/100/configuration/", {**OAUTH, "sender": "alerts@contoso.com", "smtp_port": "587"})
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert 'SAP_BASIS release changed from 7.57 to 816 <span class="muted">by basis, ' in page
    assert "<li>Sender changed from sap-prd@contoso.com to alerts@contoso.com</li>" in page
    assert "<li>SMTP port set to 587</li>" in page
    assert "Mail setup changed <span" in page


def test_the_credential_fields_are_keyed_by_the_connectors_credentials():
    assert set(CREDENTIAL_FIELDS) == set(CREDENTIALS)
