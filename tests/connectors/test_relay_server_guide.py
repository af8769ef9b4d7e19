"""The relay server: SAP points at the relay; the relay reaches Exchange Online by its upstream."""

from __future__ import annotations

import pytest

from connectors.guide import Guide, Where
from connectors.options import relay_server
from connectors.postfix import main_cf
from connectors.registry import plan_for
from tests.support.samples import TODAY, config

RELAY = "mailrelay.corp.contoso.com"


def guide(**changes: object) -> Guide:
    base = {
        "option": "relay_server",
        "smtp_host": RELAY,
        "egress_ips": ("20.31.40.60",),
        "upstream_option": "relay_connector",
    }
    return relay_server.steps(config(**{**base, **changes}), today=TODAY)


def values(g: Guide, key: str) -> dict[str, str]:
    return {v.label: v.value for v in g.step(key).values}


def test_sap_points_at_the_relay_on_port_25_without_logon_data() -> None:
    scot = values(guide(), "sap.scot_node")
    assert scot["Mail host"] == RELAY
    assert scot["Mail port"] == "25"
    assert "delete" in scot["Logon data"]


def test_sap_trusts_the_relays_certificate_not_microsofts() -> None:
    step = guide().step("sap.strust")
    assert "relay" in step.title
    assert "DigiCert" not in " ".join(v.value for v in step.values)


def test_the_postfix_fragment_relays_to_the_mx_endpoint_with_tls_12_for_sap_only() -> None:
    g = guide()
    command = g.step("relay.postfix").command
    assert command is not None
    text = command.text
    assert "relayhost = [contoso-com.mail.protection.outlook.com]:25" in text
    assert "smtp_tls_security_level = encrypt" in text
    assert "smtp_tls_mandatory_protocols = >=TLSv1.2" in text
    assert "smtpd_relay_restrictions = permit_mynetworks, reject" in text
    assert f"myhostname = {RELAY}" in text
    assert "mydestination =\n" in text
    assert "smtp_sasl" not in text
    assert "message_size_limit = 36700160" in text


def test_the_postfix_fragment_follows_the_cloud_and_a_set_upstream_host() -> None:
    assert "relayhost = [contoso-com.mail.protection.partner.outlook.cn]:25" in main_cf(
        config(option="relay_server", smtp_host=RELAY, cloud="china")
    )
    assert "relayhost = [contoso-com.mx.microsoft]:25" in main_cf(
        config(option="relay_server", smtp_host=RELAY, relay_host="contoso-com.mx.microsoft")
    )


def test_a_certificate_connector_upstream_gives_postfix_a_client_certificate() -> None:
    text = main_cf(
        config(option="relay_server", smtp_host=RELAY, credential="certificate"), certificate_name="relay.contoso.com"
    )
    assert "smtp_tls_cert_file = /etc/postfix/tls/relay.contoso.com.crt" in text


def test_the_connector_upstream_steps_use_the_relays_ip() -> None:
    g = guide()
    command = g.step("upstream.exchange.connector_powershell").command
    assert command is not None and "-SenderIPAddresses '20.31.40.60'" in command.text
    assert values(g, "upstream.dns.spf")["Value"] == "v=spf1 ip4:20.31.40.60 include:spf.protection.outlook.com ~all"
    assert g.step("upstream.dns.spf").check == "spf.record"
    assert not [s for s in g.steps if s.key.startswith("upstream.sap.")]


def test_every_check_named_by_a_relay_server_step_is_in_its_plan() -> None:
    keys = {c.key for c in plan_for(config(option="relay_server", smtp_host=RELAY), send_to="x@contoso.com")}
    for upstream in ("relay_connector", "direct_send", "smtp_basic", "oauth2"):
        for step in guide(upstream_option=upstream).steps:
            assert step.check is None or step.check in keys, (upstream, step.key, step.check)


def test_a_basic_upstream_gets_sasl_a_connection_limit_and_the_retirement_warning() -> None:
    g = guide(upstream_option="smtp_basic")
    command = g.step("relay.postfix").command
    assert command is not None
    assert "relayhost = [smtp.office365.com]:587" in command.text
    assert "smtp_sasl_auth_enable = yes" in command.text
    assert "smtp_destination_concurrency_limit = 2" in command.text
    sasl = g.step("relay.sasl_passwd").command
    assert sasl is not None
    assert sasl.text.startswith(
        "[smtp.office365.com]:587 sap-prd@contoso.com:<enter on the relay: the mailbox password>"
    )
    assert any(n.level == "warning" and "retiring" in n.text for n in g.notices)
    assert "libsasl2-modules" in values(g, "relay.install")["Debian/Ubuntu packages"]


def test_an_oauth_upstream_says_postfix_has_no_xoauth2_and_generates_no_postfix_file() -> None:
    g = guide(upstream_option="oauth2")
    assert not g.has_step("relay.postfix")
    assert g.has_step("relay.oauth_values")
    assert any(n.level == "error" and "XOAUTH2" in n.text for n in g.notices)
    assert values(g, "relay.oauth_values")["Scope"] == "https://outlook.office365.com/.default"
    with pytest.raises(ValueError, match="XOAUTH2"):
        main_cf(config(option="relay_server", smtp_host=RELAY, upstream_option="oauth2"))


def test_without_an_upstream_the_relay_uses_a_connector() -> None:
    g = guide(upstream_option="")
    assert g.has_step("upstream.exchange.connector")
    assert any(p.field == "upstream_option" for p in g.problems)


def test_the_iis_notes_name_smart_host_and_outbound_security_per_upstream() -> None:
    connector = values(guide(), "relay.iis")
    assert connector["Delivery → Advanced → Smart host"] == "contoso-com.mail.protection.outlook.com"
    assert connector["Delivery → Outbound Security"].startswith("Anonymous")
    basic = values(guide(upstream_option="smtp_basic"), "relay.iis")
    assert basic["Delivery → Advanced → Smart host"] == "smtp.office365.com"
    assert basic["Delivery → Outbound connections → TCP port"] == "587"


def test_the_relay_is_tested_before_sap_is_pointed_at_it() -> None:
    g = guide()
    keys = [s.key for s in g.steps]
    assert keys.index("relay.test") < keys.index("sap.scot_node")
    command = g.step("relay.test").command
    assert command is not None
    assert "swaks --server contoso-com.mail.protection.outlook.com --port 25 --tls" in command.text
    assert "--to basis-team@contoso.com" in command.text
    assert g.steps[0].where == Where.RELAY


def test_a_missing_relay_host_is_a_placeholder() -> None:
    g = guide(smtp_host="")
    assert values(g, "sap.scot_node")["Mail host"] == "<smtp_host: set the SMTP host field>"
    assert "smtp_host" in g.missing_fields
