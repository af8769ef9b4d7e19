"""Direct Send and the relay connector: MX endpoint, connector, SPF, SCOT on port 25."""

from __future__ import annotations

import pytest

from connectors.guide import Guide, Where
from connectors.options import direct_send, relay_connector
from tests.support.samples import TODAY, config

MX = {
    "global": ("contoso-com.mail.protection.outlook.com", "spf.protection.outlook.com", "O365Default"),
    "gcc-high": ("contoso-com.mail.protection.office365.us", "spf.protection.office365.us", "O365USGovGCCHigh"),
    "dod": ("contoso-com.mail.protection.office365.us", "spf.protection.office365.us", "O365USGovDoD"),
    "china": ("contoso-com.mail.protection.partner.outlook.cn", "spf.protection.partner.outlook.cn", "O365China"),
}
IPS = ("20.31.40.50", "20.31.40.51")


def connector_guide(**changes: object) -> Guide:
    return relay_connector.steps(config(**{"option": "relay_connector", "egress_ips": IPS, **changes}), today=TODAY)


def direct_guide(**changes: object) -> Guide:
    return direct_send.steps(config(**{"option": "direct_send", "egress_ips": IPS, **changes}), today=TODAY)


def values(guide: Guide, key: str) -> dict[str, str]:
    return {v.label: v.value for v in guide.step(key).values}


@pytest.mark.parametrize("cloud", sorted(MX))
@pytest.mark.parametrize("build", [connector_guide, direct_guide])
def test_sap_delivers_to_the_domains_mx_endpoint_on_port_25_without_logon_data(cloud: str, build: object) -> None:
    host, _, _ = MX[cloud]
    guide = build(cloud=cloud)  # type: ignore[operator]
    scot = values(guide, "sap.scot_node")
    assert scot["Mail host"] == host
    assert scot["Mail port"] == "25"
    assert "delete" in scot["Logon data"]
    assert any("delete it" in note for note in guide.step("sap.scot_node").notes)
    assert values(guide, "m365.mx_endpoint")["Expected MX endpoint"] == host


@pytest.mark.parametrize("cloud", sorted(MX))
def test_the_connector_is_created_in_the_admin_center_and_by_new_inboundconnector_with_the_ips(cloud: str) -> None:
    _, _, environment = MX[cloud]
    guide = connector_guide(cloud=cloud, connector="SAP PRD relay")
    admin = values(guide, "exchange.connector")
    assert admin["Connection from"] == "Your organization's email server"
    assert admin["Connection to"] == "Office 365"
    assert "20.31.40.50 20.31.40.51" in admin["Authenticating sent email"]
    command = guide.step("exchange.connector_powershell").command
    assert command is not None
    assert f"Connect-ExchangeOnline -ExchangeEnvironmentName {environment}" in command.text
    assert (
        "New-InboundConnector -Name 'SAP PRD relay' -ConnectorType OnPremises -SenderDomains '*' "
        "-SenderIPAddresses '20.31.40.50','20.31.40.51'"
    ) in command.text
    assert "RestrictDomainsTo" not in command.text.split("\n")[1]  # Partner connectors only


def test_a_certificate_connector_matches_the_certificate_name_and_requires_tls() -> None:
    guide = connector_guide(credential="certificate", tls="starttls", egress_ips=())
    command = guide.step("exchange.connector_powershell").command
    assert command is not None
    assert "-RequireTls $true -TlsSenderCertificateName 'contoso.com'" in command.text
    assert "-RestrictDomainsToCertificate" not in command.text
    assert "-SenderIPAddresses" not in command.text
    assert "contoso.com" in values(guide, "sap.scot_node")["Client identity (TLS)"]
    assert "required" in values(guide, "sap.scot_node")["Security → Settings"]


def test_the_certificate_name_can_be_set_explicitly() -> None:
    guide = connector_guide(
        credential="certificate", tls="starttls", extra={"tls_certificate_name": "sap-prd.contoso.com"}
    )
    command = guide.step("exchange.connector_powershell").command
    assert command is not None and "-TlsSenderCertificateName 'sap-prd.contoso.com'" in command.text


@pytest.mark.parametrize("cloud", sorted(MX))
def test_a_new_spf_record_names_the_ips_and_the_clouds_include(cloud: str) -> None:
    _, include, _ = MX[cloud]
    step = connector_guide(cloud=cloud).step("dns.spf")
    record = {v.label: v.value for v in step.values}["Value"]
    assert record == f"v=spf1 ip4:20.31.40.50 ip4:20.31.40.51 include:{include} ~all"
    assert step.check == "spf.egress_ip"
    assert any("did not have the domain's current SPF record" in note for note in step.notes)


def test_the_spf_step_merges_the_existing_record_instead_of_adding_a_second_one() -> None:
    guide = relay_connector.steps(
        config(option="relay_connector", egress_ips=IPS),
        existing_spf=["google-site-verification=abc", "v=spf1 include:_spf.salesforce.com -all"],
        today=TODAY,
    )
    step = guide.step("dns.spf")
    record = {v.label: v.value for v in step.values}["Value"]
    assert (
        record
        == "v=spf1 ip4:20.31.40.50 ip4:20.31.40.51 include:_spf.salesforce.com include:spf.protection.outlook.com -all"
    )
    assert step.command is not None and step.command.text.startswith('contoso.com. 3600 IN TXT "v=spf1 ')


def test_without_egress_ips_the_spf_value_shows_where_the_ip_goes() -> None:
    record = values(connector_guide(egress_ips=()), "dns.spf")["Value"]
    assert record.startswith("v=spf1 ip4:<egress_ips: set the Egress IPs field> ")


def test_a_private_ip_is_left_out_of_the_spf_record_with_the_reason() -> None:
    step = connector_guide(egress_ips=("10.0.0.5", "20.31.40.50")).step("dns.spf")
    assert "10.0.0.5" not in {v.label: v.value for v in step.values}["Value"]
    assert any("10.0.0.5 is left out" in note for note in step.notes)


def test_direct_send_checks_that_the_tenant_accepts_it() -> None:
    step = direct_guide().step("exchange.direct_send_allowed")
    assert step.command is not None and "Get-OrganizationConfig | Format-List RejectDirectSend" in step.command.text
    assert "5.7.68" in step.why
    assert not direct_guide().has_step("exchange.connector")


def test_direct_send_says_internal_recipients_only() -> None:
    guide = direct_guide()
    assert any("own tenant" in n.text and n.level == "warning" for n in guide.notices)
    assert "own tenant only" in guide.summary


def test_the_connector_guide_reaches_outside_and_notes_that_bulk_mail_belongs_elsewhere() -> None:
    guide = connector_guide()
    assert "inside and outside" in guide.summary
    assert any(n.level == "info" and "bulk" in n.text for n in guide.notices)


def test_egress_blocklists_and_dmarc_are_covered_with_their_checks() -> None:
    guide = connector_guide()
    assert guide.step("network.egress_ip").check == "egress.ip"
    assert guide.step("network.blocklists").check == "dnsbl.egress_ip"
    assert guide.step("dns.dmarc").check == "dmarc.record"
    assert guide.step("m365.mx_endpoint").check == "dns.mx"


def test_steps_are_grouped_network_m365_exchange_dns_then_sap_then_the_proof() -> None:
    wheres = [where for where, _ in connector_guide().groups()]
    assert wheres == [
        Where.NETWORK,
        Where.M365_ADMIN,
        Where.EXCHANGE_ADMIN,
        Where.EXCHANGE_POWERSHELL,
        Where.DNS,
        Where.NETWORK,
        Where.SAP_GUI,
        Where.EXCHANGE_POWERSHELL,  # message trace of the test message
        Where.M365_ADMIN,  # Microsoft's own send-mail diagnostic
    ]


def test_with_tls_off_no_trust_store_step_is_generated() -> None:
    assert connector_guide().has_step("sap.strust")
    assert not connector_guide(tls="none").has_step("sap.strust")


def test_a_set_mx_host_wins_and_the_lab_uses_its_port() -> None:
    scot = values(connector_guide(cloud="lab"), "sap.scot_node")
    assert scot["Mail host"] == "contoso-com.mail.protection.lab.test"
    assert scot["Mail port"] == "2525"
    scot = values(connector_guide(smtp_host="contoso-com.mx.microsoft"), "sap.scot_node")
    assert scot["Mail host"] == "contoso-com.mx.microsoft"


def test_without_a_sender_the_mx_endpoint_is_a_placeholder() -> None:
    guide = connector_guide(sender="", mailbox="")
    assert values(guide, "sap.scot_node")["Mail host"] == "<sender: set the Sender address field>"
    assert "sender" in guide.missing_fields
