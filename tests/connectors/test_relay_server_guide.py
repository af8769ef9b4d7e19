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


def postfix_text(g: Guide) -> str:
    command = g.step("relay.postfix").command
    assert command is not None
    return command.text


def test_the_postfix_fragment_relays_to_the_mx_endpoint_with_tls_12_for_sap_only() -> None:
    text = postfix_text(guide())
    assert "relayhost = [contoso-com.mail.protection.outlook.com]:25" in text
    assert "smtp_tls_mandatory_protocols = >=TLSv1.2" in text
    assert "smtpd_relay_restrictions = permit_mynetworks, reject" in text
    assert f"myhostname = {RELAY}" in text
    assert "mydestination =\n" in text
    assert "smtp_sasl" not in text
    assert "message_size_limit = 36700160" in text


def test_the_relay_verifies_the_upstreams_certificate_and_name_against_the_system_store() -> None:
    # Before: "encrypt" took any certificate, so a stand-in with a self-signed one got the mail (and the password).
    text = postfix_text(guide())
    assert "smtp_tls_security_level = secure\n" in text
    assert "smtp_tls_secure_cert_match = contoso-com.mail.protection.outlook.com\n" in text
    assert "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n" in text
    assert "= encrypt" not in text
    notes = " ".join(guide().step("relay.postfix").notes)
    assert "/etc/pki/tls/certs/ca-bundle.crt" in notes and "/etc/ssl/ca-bundle.pem" in notes


def test_every_supported_upstream_gets_the_secure_level_with_its_own_host_name() -> None:
    for upstream, host in (
        ("relay_connector", "contoso-com.mail.protection.outlook.com"),
        ("direct_send", "contoso-com.mail.protection.outlook.com"),
        ("smtp_basic", "smtp.office365.com"),
    ):
        text = postfix_text(guide(upstream_option=upstream))
        assert "smtp_tls_security_level = secure\n" in text, upstream
        assert f"smtp_tls_secure_cert_match = {host}\n" in text, upstream


def test_the_relay_offers_sap_starttls_with_its_own_certificate() -> None:
    g = guide()
    text = postfix_text(g)
    assert f"smtpd_tls_cert_file = $config_directory/tls/{RELAY}.crt" in text
    assert f"smtpd_tls_key_file = $config_directory/tls/{RELAY}.key" in text
    assert "smtpd_tls_security_level = may\n" in text
    assert "smtpd_tls_protocols = >=TLSv1.2\n" in text
    certificate = values(g, "relay.certificate")
    assert certificate["Certificate chain (PEM)"] == f"/etc/postfix/tls/{RELAY}.crt"
    assert certificate["Names in the certificate"] == RELAY
    keys = [s.key for s in g.steps]
    assert keys.index("relay.certificate") < keys.index("relay.postfix") < keys.index("sap.strust")


def test_the_sap_servers_are_a_cidr_table_of_their_own_and_no_placeholder_is_in_main_cf() -> None:
    # Before: "mynetworks = ... <enter ...>" passed 'postfix check' and killed smtpd at the first connection.
    g = guide()
    text = postfix_text(g)
    assert "mynetworks = 127.0.0.1/32 [::1]/128 cidr:$config_directory/sap_networks.cidr\n" in text
    assert "<" not in text and ">" not in text.replace(">=TLSv1.2", "").replace("->", "")
    table = g.step("relay.sap_networks")
    assert table.command is not None
    assert all(line.startswith("#") for line in table.command.text.splitlines())
    assert values(g, "relay.sap_networks")["File"] == "/etc/postfix/sap_networks.cidr"
    keys = [s.key for s in g.steps]
    assert keys.index("relay.sap_networks") < keys.index("relay.postfix")


def test_the_fragment_is_applied_with_a_restart_and_logs_no_compatibility_or_alias_warnings() -> None:
    g = guide()
    text = postfix_text(g)
    assert "systemctl restart postfix" in text and "reload postfix" not in text
    assert values(g, "relay.postfix")["Then"] == "postfix check && systemctl restart postfix"
    assert "compatibility_level = 3.6\n" in text
    assert "alias_maps =\n" in text and "alias_database =\n" in text
    assert "inet_interfaces = all\n" in text


def test_older_postfix_releases_are_told_the_exclusion_syntax() -> None:
    notes = " ".join(guide().step("relay.postfix").notes)
    assert "older than 3.6" in notes
    assert "'!SSLv2, !SSLv3, !TLSv1, !TLSv1.1'" in notes
    assert "compatibility_level = 2" in notes


def test_the_steps_keep_saying_which_upstreams_a_postfix_relay_can_use() -> None:
    notes = " ".join(guide().step("relay.postfix").notes)
    assert "no XOAUTH2 client" in notes
    assert "connector" in notes and "Direct Send" in notes and "Basic authentication" in notes


def test_a_lab_relay_trusts_the_labs_ca_instead_of_the_system_store() -> None:
    g = guide(cloud="lab", sender="sap-prd@good.lab.test")
    text = postfix_text(g)
    assert "smtp_tls_CAfile = $config_directory/lab-ca.pem\n" in text
    assert "relayhost = [good-lab-test.mail.protection.lab.test]:2525" in text
    assert "smtp_tls_secure_cert_match = good-lab-test.mail.protection.lab.test\n" in text
    assert any(".data/lab/lab-ca.pem" in note for note in g.step("relay.postfix").notes)


def test_a_missing_value_gives_no_postfix_file_but_names_the_field() -> None:
    g = guide(smtp_host="")
    step = g.step("relay.postfix")
    assert step.command is None
    assert "smtp_host" in step.missing_fields
    assert not g.has_step("relay.sap_networks") and not g.has_step("relay.certificate")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"upstream_option": "smtp_basic", "mailbox": "sap$prd@contoso.com"}, "mailbox"),
        ({"upstream_option": "smtp_basic", "mailbox": "sap,prd@contoso.com"}, "mailbox"),
        ({"relay_host": "20.30.40.50"}, "relay_host"),
        ({"sid": "P D"}, "sid"),  # a line break is refused for the whole guide (test_injection)
    ],
)
def test_a_value_postfix_would_read_differently_is_refused_not_written(changes: dict[str, str], field: str) -> None:
    g = guide(**changes)
    step = g.step("relay.postfix")
    assert step.command is None
    assert any(v.label == "Cannot be written" for v in step.values)
    assert any(p.field == field and "Postfix" in p.message for p in g.problems)


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
    assert "smtp_tls_cert_file = $config_directory/tls/relay.contoso.com.crt" in text


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
    text = postfix_text(g)
    assert "relayhost = [smtp.office365.com]:587" in text
    assert "smtp_sasl_auth_enable = yes" in text
    assert "smtp_sasl_password_maps = ${default_database_type}:$config_directory/sasl_passwd" in text
    assert "smtp_destination_concurrency_limit = 2" in text
    sasl = g.step("relay.sasl_passwd").command
    assert sasl is not None and sasl.language == "shell"
    # The table's key is relayhost's exact form; the password is typed on the relay, never generated.
    assert "'[smtp.office365.com]:587' sap-prd@contoso.com \"$password\" > /etc/postfix/sasl_passwd" in sasl.text
    assert "read -r -s" in sasl.text and "postmap /etc/postfix/sasl_passwd" in sasl.text
    assert any("retiring" in n.text for n in g.notices)
    assert "libsasl2-modules" in values(g, "relay.install")["Debian/Ubuntu packages"]
    keys = [s.key for s in g.steps]
    assert keys.index("relay.sasl_passwd") < keys.index("relay.postfix")


def test_the_basic_upstreams_test_command_logs_in_and_asks_for_the_password() -> None:
    command = guide(upstream_option="smtp_basic").step("relay.test").command
    assert command is not None
    upstream = command.text.splitlines()[1]
    assert upstream.startswith("swaks --server smtp.office365.com --port 587 --tls --tls-verify")
    assert "--auth LOGIN --auth-user sap-prd@contoso.com --protect-prompt" in upstream
    assert "--auth-password" not in upstream


def test_a_certificate_connectors_test_command_presents_the_certificate() -> None:
    command = guide(credential="certificate").step("relay.test").command
    assert command is not None
    assert "--tls-cert /etc/postfix/tls/contoso.com.crt --tls-key /etc/postfix/tls/contoso.com.key" in command.text


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
    assert "swaks --server contoso-com.mail.protection.outlook.com --port 25 --tls --tls-verify" in command.text
    assert "--tls-ca-path /etc/ssl/certs/ca-certificates.crt" in command.text
    assert "swaks --server 127.0.0.1 --port 25 --tls" in command.text
    assert "--to basis-team@contoso.com" in command.text
    assert g.steps[0].where == Where.RELAY


def test_a_missing_relay_host_is_a_placeholder() -> None:
    g = guide(smtp_host="")
    assert values(g, "sap.scot_node")["Mail host"] == "<smtp_host: set the SMTP host field>"
    assert "smtp_host" in g.missing_fields


def test_the_relay_guide_says_what_it_does_for_an_sap_without_tls_1_2() -> None:
    g = guide()
    assert "old TLS on the SAP side: see the relay's TLS note" in g.summary
    note = next(n for n in g.step("relay.postfix").notes if "cannot do TLS 1.2" in n)
    assert "smtpd_tls_protocols = >=TLSv1.2" in note and "SAP Note 510007" in note
    assert "without TLS" in note and "@SECLEVEL=0" in note and "not verified by the portal" in note
