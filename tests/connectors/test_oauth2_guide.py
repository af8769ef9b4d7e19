"""The oauth2 guide per product, release and cloud: the facts, not just that text exists."""

from __future__ import annotations

import pytest

from connectors.guide import Guide, Where
from connectors.options.oauth2 import steps
from tests.support.samples import CLIENT_ID, SP_OBJECT_ID, TODAY, config

CLOUD_FACTS = {
    # cloud: (login host, scope, Exchange environment, SMTP host)
    "global": (
        "login.microsoftonline.com",
        "https://outlook.office365.com/.default",
        "O365Default",
        "smtp.office365.com",
    ),
    "gcc-high": (
        "login.microsoftonline.us",
        "https://outlook.office365.us/.default",
        "O365USGovGCCHigh",
        "smtp.office365.us",
    ),
    "dod": (
        "login.microsoftonline.us",
        "https://outlook-dod.office365.us/.default",
        "O365USGovDoD",
        "outlook-dod.office365.us",
    ),
    "china": (
        "login.partner.microsoftonline.cn",
        "https://partner.outlook.cn/.default",
        "O365China",
        "smtp.partner.outlook.cn",
    ),
}


def guide(**changes: object) -> Guide:
    return steps(config(**changes), today=TODAY)


def value(guide: Guide, step: str, label: str) -> str:
    for item in guide.step(step).values:
        if item.label == label:
            return item.value
    raise AssertionError(f"{step} has no value {label!r}: {[v.label for v in guide.step(step).values]}")


@pytest.mark.parametrize("cloud", sorted(CLOUD_FACTS))
def test_the_oauth_client_configuration_uses_the_clouds_token_endpoint_and_scope(cloud: str) -> None:
    login, scope, _, _ = CLOUD_FACTS[cloud]
    g = guide(cloud=cloud, tenant="8a3c1f52-6b1e-4c2d-9f0a-2d7e5b4c9a11")
    assert value(g, "sap.oauth_client", "Token endpoint") == (
        f"https://{login}/8a3c1f52-6b1e-4c2d-9f0a-2d7e5b4c9a11/oauth2/v2.0/token"
    )
    assert value(g, "sap.oauth_client", "Scope") == scope
    assert value(g, "sap.oauth_client", "OAuth 2.0 Client Profile") == "BCS_MAIL"
    assert value(g, "sap.oauth_client", "OAuth 2.0 Client ID") == CLIENT_ID


@pytest.mark.parametrize("cloud", sorted(CLOUD_FACTS))
def test_exchange_commands_connect_to_the_clouds_environment_with_the_real_ids(cloud: str) -> None:
    _, _, environment, _ = CLOUD_FACTS[cloud]
    command = guide(cloud=cloud).step("exchange.service_principal").command
    assert command is not None
    assert f"Connect-ExchangeOnline -ExchangeEnvironmentName {environment}" in command.text
    assert f"New-ServicePrincipal -AppId '{CLIENT_ID}' -ObjectId '{SP_OBJECT_ID}'" in command.text


@pytest.mark.parametrize("cloud", sorted(CLOUD_FACTS))
def test_sap_points_at_the_clouds_submission_host_on_587(cloud: str) -> None:
    _, _, _, host = CLOUD_FACTS[cloud]
    g = guide(cloud=cloud)
    assert value(g, "sap.sbcs_mail_configsmtp", "Mail host") == host
    assert value(g, "sap.sbcs_mail_configsmtp", "Mail port") == "587"
    assert value(g, "sap.sbcs_mail_configsmtp", "Authentication method") == "OAuth2"
    assert value(g, "network.outbound", "SMTP (STARTTLS)") == f"{host}:587"


def test_the_mailbox_gets_fullaccess_for_the_enterprise_applications_object_id() -> None:
    command = guide().step("exchange.mailbox_permission").command
    assert command is not None
    assert command.text == (
        f"Add-MailboxPermission -Identity 'sap-prd@contoso.com' -User '{SP_OBJECT_ID}' -AccessRights FullAccess"
    )


def test_smtp_auth_is_enabled_for_the_mailbox() -> None:
    command = guide().step("exchange.smtp_auth").command
    assert command is not None
    assert "Set-CASMailbox -Identity 'sap-prd@contoso.com' -SmtpClientAuthenticationDisabled $false" in command.text


def test_the_permission_is_smtp_sendasapp_of_exchange_online_not_graph() -> None:
    g = guide()
    assert value(g, "entra.api_permission", "Permission") == "SMTP.SendAsApp"
    assert value(g, "entra.api_permission", "API") == "Office 365 Exchange Online"
    assert value(g, "entra.api_permission", "Permission type") == "Application permissions"
    assert any("Graph's SMTP.Send" in note for note in g.step("entra.api_permission").notes)
    assert g.has_step("entra.admin_consent")


def test_the_object_id_step_tells_the_enterprise_application_from_the_registration() -> None:
    step = guide().step("entra.enterprise_app_object_id")
    assert "Managed application in local directory" in " ".join(v.value for v in step.values)
    assert "registration's Object ID is a different object" in step.why


def test_send_as_is_granted_only_when_the_sender_is_not_the_mailbox() -> None:
    assert not guide().has_step("exchange.send_as")
    command = guide(sender="invoices@contoso.com").step("exchange.send_as").command
    assert command is not None
    assert (
        f"Add-RecipientPermission -Identity 'invoices@contoso.com' -Trustee '{SP_OBJECT_ID}' -AccessRights SendAs"
        in (command.text)
    )


def test_the_icm_parameter_uses_sap_underscores_and_explains_inbound_only() -> None:
    step = guide().step("sap.icm_parameter")
    assert step.command is not None
    assert step.command.text == "icm/server_port_<nn> = PROT=SMTP,PORT=25000,TIMEOUT=180,TLS=1"
    assert any("inbound" in note for note in step.notes)
    assert any("icm/server-port-1" in note for note in step.notes)


def test_strust_names_digicert_global_root_g2_for_both_pses() -> None:
    step = guide().step("sap.strust")
    values = {v.label: v.value for v in step.values}
    assert values["Root certificate"] == "DigiCert Global Root G2"
    assert values["SHA-1 thumbprint"] == "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4"
    assert "login.microsoftonline.com" in values["Also into"]
    assert step.check == "tls.certificate"


def test_the_sap_side_runs_icm_sicf_strust_oauth_smtp_send_job_and_tests_in_order() -> None:
    keys = [s.key for s in guide().steps]
    expected = [
        "sap.icm_parameter",
        "sap.smicm",
        "sap.sicf",
        "sap.tls_parameters",
        "sap.strust",
        "sap.oauth_client",
        "sap.sbcs_mail_configsmtp",
        "sap.scot_address_types",
        "sap.send_job",
        "sap.sbwp_test",
        "sap.sost",
    ]
    assert [k for k in keys if k in expected] == expected
    assert keys.index("exchange.smtp_auth") < keys.index("sap.icm_parameter")
    assert keys.index("entra.app_registration") < keys.index("exchange.service_principal")


@pytest.mark.parametrize(
    ("product", "note_3581654"),
    [
        ("s4_onprem", "prerequisite"),
        ("s4_private", "prerequisite"),
        ("ecc", "check whether"),
        ("other_abap", "check whether"),
    ],
)
def test_sap_note_3581654_is_a_prerequisite_for_s4hana_and_a_check_elsewhere(product: str, note_3581654: str) -> None:
    assert note_3581654 in value(guide(product=product), "sap.notes", "SAP Note 3581654")


def test_a_client_secret_setup_creates_a_secret_and_never_shows_one() -> None:
    g = guide()
    assert g.has_step("entra.client_secret")
    assert not g.has_step("entra.certificate_upload")
    assert value(g, "sap.oauth_client", "Client secret") == "<enter in SAP: the client secret's Value>"
    assert any("Secret ID" in note and "AADSTS7000215" in note for note in g.step("entra.client_secret").notes)
    assert "SAP Note 3592080" not in {v.label for v in g.step("sap.notes").values}


@pytest.mark.parametrize("release", [751, 757, 816])
def test_the_jwt_path_exports_sap_certificate_before_uploading_it(release: int) -> None:
    g = guide(basis_release=release, credential="certificate", certificate_thumbprint="AB12" * 10)
    keys = [s.key for s in g.steps]
    assert keys.index("sap.jwt_certificate_export") < keys.index("entra.certificate_upload")
    assert not g.has_step("entra.client_secret")
    export = " ".join(v.value for v in g.step("sap.jwt_certificate_export").values)
    assert "SOAUTH2_CLIENT" in export and "SSF OA2CJC" in export and "Base64" in export
    assert value(g, "entra.certificate_upload", "Thumbprint → portal field Certificate thumbprint") == "AB12" * 10
    assert "JWT" in value(g, "sap.oauth_client", "Client authentication")
    assert "SAP Note 3592080" in {v.label for v in g.step("sap.notes").values}
    assert [n for n in g.notices if n.level == "error"] == []
    # The groups keep the order: Entra, SAP GUI (export), Entra (upload).
    wheres = [where for where, _ in g.groups()]
    assert wheres[:5] == [Where.NETWORK, Where.SAP_GUI, Where.ENTRA, Where.SAP_GUI, Where.ENTRA]


def test_release_740_gets_the_guide_with_an_error_notice_naming_the_alternatives() -> None:
    g = guide(basis_release=740)
    errors = [n.text for n in g.notices if n.level == "error"]
    assert len(errors) == 1
    assert "7.40" in errors[0] and "relay_connector" in errors[0]


def test_release_750_with_a_secret_is_fine_but_with_a_certificate_it_is_not() -> None:
    assert [n for n in guide(basis_release=750).notices if n.level == "error"] == []
    errors = [n.text for n in guide(basis_release=750, credential="certificate").notices if n.level == "error"]
    assert errors and "7.51" in errors[0]


def test_production_with_a_secret_is_advised_to_move_to_a_certificate() -> None:
    assert any("JWT bearer" in n.text for n in guide(role="PRD").notices)
    assert not any("JWT bearer grant (certificate) over" in n.text for n in guide(role="DEV").notices)


@pytest.mark.parametrize("cloud", sorted(CLOUD_FACTS))
def test_btp_abap_uses_a_communication_system_and_sap_com_0548_with_the_clouds_scope(cloud: str) -> None:
    login, scope, environment, host = CLOUD_FACTS[cloud]
    g = guide(product="btp_abap", basis_release=None, credential="certificate", cloud=cloud)
    assert value(g, "btp.communication_arrangement", "Scenario") == "SAP_COM_0548"
    assert value(g, "btp.communication_arrangement", "OAuth User") == "sap-prd@contoso.com"
    assert value(g, "btp.communication_arrangement", "Additional Scope") == scope
    assert value(g, "btp.communication_system", "OAuth 2.0 Client ID") == CLIENT_ID
    assert value(g, "btp.communication_system", "Host name") == host
    assert value(g, "btp.communication_system", "Token endpoint").startswith(f"https://{login}/")
    assert g.has_step("entra.certificate_upload") and not g.has_step("entra.client_secret")
    assert not [s for s in g.steps if s.where == Where.SAP_GUI]
    keys = [s.key for s in g.steps]
    assert keys.index("btp.communication_system") < keys.index("entra.certificate_upload")
    btp_tail = ["btp.communication_arrangement", "btp.email_allowlist", "btp.monitor_email_transmissions"]
    assert [key for key in keys if key.startswith("btp.")][-3:] == btp_tail
    assert keys.index("btp.monitor_email_transmissions") < keys.index("exchange.message_trace")
    assert keys[-3:] == ["exchange.message_trace", "m365.mail_flow_diagnostic", "entra.credential_rotation"]
    command = g.step("exchange.service_principal").command
    assert command is not None and environment in command.text


def test_btp_abap_is_jwt_even_when_the_setup_says_secret() -> None:
    g = guide(product="btp_abap", basis_release=None, credential="secret")
    assert g.has_step("entra.certificate_upload")
    assert any(p.field == "credential" for p in g.problems)


def test_s4hana_cloud_public_edition_is_set_up_by_sap_and_tested_in_its_app() -> None:
    g = guide(product="s4_public")
    assert [s.key for s in g.steps] == [
        "sap_managed.exchange_online",
        "sap_managed.sap_mail_server",
        "btp.monitor_email_transmissions",
        "dns.dkim",
        "dns.dmarc",
        "exchange.message_trace",
        "m365.mail_flow_diagnostic",
    ]
    assert {s.where for s in g.steps[:3]} == {Where.SAP_MANAGED}
    assert g.scripts == ()
    assert "SAP operates its SAP side" in g.summary


def test_missing_ids_become_placeholders_naming_the_field() -> None:
    g = guide(tenant="", client_id="", service_principal_id="")
    assert value(g, "sap.oauth_client", "Token endpoint") == (
        "https://login.microsoftonline.com/<tenant: set the Tenant field>/oauth2/v2.0/token"
    )
    command = g.step("exchange.service_principal").command
    assert command is not None
    assert "-AppId '<client_id: set the Client ID field>'" in command.text
    assert "-ObjectId '<service_principal_id: set the Enterprise application Object ID field>'" in command.text
    assert {"tenant", "client_id", "service_principal_id"} <= set(g.missing_fields)


def test_the_summary_states_host_credential_tenant_and_cloud() -> None:
    summary = guide().summary
    assert "smtp.office365.com:587" in summary
    assert "client secret" in summary
    assert "contoso.onmicrosoft.com" in summary
    assert "SAP_BASIS 7.57" in summary


def test_an_expired_secret_is_an_error_notice() -> None:
    from datetime import date

    g = guide(secret_expires=date(2026, 11, 1))
    assert any(n.level == "error" and "AADSTS7000222" in n.text for n in g.notices)
    soon = guide(secret_expires=date(2026, 12, 10))
    assert any(n.level == "warning" and "in 10 days" in n.text for n in soon.notices)


def test_the_lab_cloud_says_it_is_for_the_demo() -> None:
    g = guide(cloud="lab")
    assert value(g, "sap.sbcs_mail_configsmtp", "Mail port") == "2587"
    assert any("Lab cloud" in n.text for n in g.notices)


def test_unconfirmed_cloud_endpoints_are_flagged() -> None:
    assert any("secondary sources" in n.text for n in guide(cloud="dod").notices)
    assert any("secondary sources" in n.text for n in guide(cloud="china").notices)
    assert not any("secondary sources" in n.text for n in guide(cloud="global").notices)


def test_btp_abap_scripts_check_a_certificate_and_the_summary_skips_the_release() -> None:
    g = guide(product="btp_abap", basis_release=None, credential="secret")
    assert "$Credential = 'certificate'" in g.script("verify").text
    assert "New-EntraApplicationPasswordCredential" not in g.script("setup").text
    assert "SAP_BASIS" not in g.summary and "(BTP ABAP Environment)" in g.summary
