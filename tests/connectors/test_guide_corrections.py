"""Facts the guides had wrong (issue 11, "Wrong today"), asserted per product × option × cloud with the
system's own values."""

from __future__ import annotations

import pytest

from connectors.clouds import CLOUDS
from connectors.guide import Guide
from connectors.registry import guide_for, validate
from tests.support.samples import TODAY, config

CLOUDS_REAL = ("global", "gcc-high", "dod", "china")
IPV4 = "20.31.40.50"
IPV6 = "2a01:111:f400::25"
WIDE = "20.31.40.0/22"


def build(**changes: object) -> Guide:
    return guide_for(config(**changes), today=TODAY)


def text(guide: Guide) -> str:
    return guide.to_markdown()


def connector_command(guide: Guide, key: str = "exchange.connector_powershell") -> str:
    command = guide.step(key).command
    assert command is not None
    return command.text


# -- 6. New-InboundConnector -SenderIPAddresses: IPv4 only, /24 to /32 ----------------------------
@pytest.mark.parametrize("cloud", CLOUDS_REAL)
def test_the_connector_cmdlet_never_gets_an_ipv6_address_or_a_range_wider_than_24(cloud: str) -> None:
    guide = build(option="relay_connector", cloud=cloud, egress_ips=(IPV4, IPV6, WIDE))
    create = next(line for line in connector_command(guide).splitlines() if line.startswith("New-InboundConnector"))
    assert f"-SenderIPAddresses '{IPV4}'" in create
    assert IPV6 not in create and WIDE not in create
    matched = {v.label: v.value for v in guide.step("exchange.connector").values}["Authenticating sent email"]
    assert IPV4 in matched and IPV6 not in matched and WIDE not in matched


def test_the_connector_rules_refuse_ipv6_and_wide_ranges_with_the_reason() -> None:
    problems = validate(config(option="relay_connector", egress_ips=(IPV4, IPV6, WIDE)))
    messages = [p.message for p in problems if p.field == "egress_ips"]
    assert any(IPV6 in m and "IPv4 addresses only" in m for m in messages)
    assert any(WIDE in m and "/24 to /32" in m and "20.31.40.0/24" in m for m in messages)


def test_a_relay_server_with_a_connector_upstream_gets_the_same_connector_rules() -> None:
    problems = validate(config(option="relay_server", smtp_host="relay.contoso.com", egress_ips=(IPV6,)))
    assert any("IPv4 addresses only" in p.message for p in problems)
    guide = build(option="relay_server", smtp_host="relay.contoso.com", egress_ips=(IPV4, IPV6))
    assert IPV6 not in connector_command(guide, "upstream.exchange.connector_powershell").splitlines()[1]


def test_direct_send_keeps_an_ipv6_egress_address_for_spf() -> None:
    problems = validate(config(option="direct_send", egress_ips=(IPV6,)))
    assert not [p for p in problems if p.field == "egress_ips"]
    assert f"ip6:{IPV6}" in build(option="direct_send", egress_ips=(IPV6,)).step("dns.spf").values[2].value


# -- 7. RestrictDomainsTo* act on Partner connectors only -------------------------------------------
@pytest.mark.parametrize("credential", ["secret", "certificate"])
def test_the_onpremises_connector_is_not_shown_with_partner_only_restrictions(credential: str) -> None:
    guide = build(option="relay_connector", credential=credential, tls="starttls", egress_ips=(IPV4,))
    command = connector_command(guide)
    assert "-RestrictDomainsToIPAddresses" not in command and "-RestrictDomainsToCertificate" not in command
    assert any("Partner connectors only" in note for note in guide.step("exchange.connector_powershell").notes)


# -- 8. Clouds: what Microsoft documents is shown plainly, the rest flagged --------------------------
@pytest.mark.parametrize("cloud", ["gcc-high", "dod"])
def test_us_government_mx_suffix_and_spf_include_are_no_longer_flagged(cloud: str) -> None:
    guide = build(option="relay_connector", cloud=cloud, egress_ips=(IPV4,))
    notices = " ".join(n.text for n in guide.notices)
    assert "MX" not in notices and "SPF" not in notices
    assert "contoso-com.mail.protection.office365.us" in text(guide)
    assert "include:spf.protection.office365.us" in text(guide)


def test_the_dod_exchange_admin_center_is_apps_mil_and_flagged_with_the_dod_smtp_host() -> None:
    assert CLOUDS["dod"].exchange_admin_center == "https://admin.exchange.apps.mil"
    guide = build(option="relay_connector", cloud="dod", egress_ips=(IPV4,))
    admin = {v.label: v.value for v in guide.step("exchange.connector").values}["Admin center"]
    assert admin.startswith("https://admin.exchange.apps.mil") and "unconfirmed" in admin
    notice = next(n.text for n in guide.notices if "Not confirmed" in n.text)
    assert "SMTP host outlook-dod.office365.us" in notice and "admin.exchange.apps.mil" in notice


def test_gcc_high_keeps_its_own_exchange_admin_center_unflagged() -> None:
    guide = build(option="relay_connector", cloud="gcc-high", egress_ips=(IPV4,))
    admin = {v.label: v.value for v in guide.step("exchange.connector").values}["Admin center"]
    assert admin == "https://admin.exchange.office365.us"


@pytest.mark.parametrize("option", ["oauth2", "direct_send", "relay_connector"])
def test_china_values_stay_flagged(option: str) -> None:
    guide = build(option=option, cloud="china", egress_ips=(IPV4,))
    notice = next(n.text for n in guide.notices if "Not confirmed" in n.text)
    assert "smtp.partner.outlook.cn" in notice and "mail.protection.partner.outlook.cn" in notice


def test_the_global_cloud_has_no_unconfirmed_values() -> None:
    assert CLOUDS["global"].confirmed
    assert not any("Not confirmed" in n.text for n in build(option="oauth2").notices)


# -- 3. 451 4.4.62 is a temporary deferral, with three causes ---------------------------------------
def test_451_4_4_62_is_a_deferral_that_waits_in_sost_not_a_certificate_failure() -> None:
    from diagnostics.catalogue import explain
    from diagnostics.findings import Status

    entry = explain("4.4.62", "Mail sent to the wrong Office 365 region. ATTR35")
    assert entry.status == Status.WARN
    assert "temporary" in entry.meaning and "SOST" in entry.meaning
    for cause in ("mail.messaging.microsoft.com", "IP address", "external recipients", "connector whose IP"):
        assert cause in entry.cause
    assert "MX endpoint by name" in entry.remedy


@pytest.mark.parametrize("cloud", CLOUDS_REAL)
def test_direct_send_names_both_endings_for_outside_recipients(cloud: str) -> None:
    guide = build(option="direct_send", cloud=cloud, egress_ips=(IPV4,), test_recipient="ap@fabrikam.com")
    notice = next(n.text for n in guide.notices if "own tenant" in n.text)
    assert "550 5.7.64" in notice and "451 4.4.62" in notice
    problem = next(p.message for p in guide.problems if p.field == "test_recipient")
    assert "550 5.7.64" in problem and "451 4.4.62" in problem


# -- 4. Sent Items is the proof for SMTP AUTH only; 5. 432 4.3.2 is authenticated submission only ----
SAP_GUI_PRODUCTS = ("ecc", "s4_onprem", "s4_private", "other_abap")
OPTIONS = ("oauth2", "smtp_basic", "direct_send", "relay_connector", "relay_server")


def option_config(option: str, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {"option": option, "egress_ips": (IPV4,)}
    if option == "relay_server":
        values["smtp_host"] = "relay.contoso.com"
    return {**values, **changes}


@pytest.mark.parametrize("product", SAP_GUI_PRODUCTS)
@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("cloud", CLOUDS_REAL)
def test_only_smtp_auth_promises_a_sent_items_copy_and_the_connection_limit(
    option: str, product: str, cloud: str
) -> None:
    guide = build(**option_config(option, product=product, cloud=cloud, basis_release=757))
    sost = guide.step("sap.sost")
    proof = {v.label: v.value for v in sost.values}["Proof of delivery"]
    job_notes = " ".join(guide.step("sap.send_job").notes)
    if option in ("oauth2", "smtp_basic"):
        assert "Sent Items of sap-prd@contoso.com" in proof
        assert "432 4.3.2" in job_notes
    else:
        assert "Sent Items of" not in proof
        assert "no Sent Items copy" in proof or "nothing appears in Sent Items" in proof
        assert "432 4.3.2" not in job_notes
    assert "basis-team@contoso.com" in proof


def test_each_path_has_its_own_proof() -> None:
    assert (
        "message trace for sap-prd@contoso.com"
        in {v.label: v.value for v in build(**option_config("relay_connector")).step("sap.sost").values}[
            "Proof of delivery"
        ]
    )
    relay = build(**option_config("relay_server")).step("sap.sost")
    assert "status=sent" in {v.label: v.value for v in relay.values}["Proof of delivery"]


def test_no_mx_or_relay_guide_mentions_the_mailbox_connection_limit() -> None:
    for option in ("direct_send", "relay_connector", "relay_server"):
        assert "432 4.3.2" not in text(build(**option_config(option)))


# -- 1./2. S/4HANA Cloud Public Edition and BTP ABAP: no SAP GUI step, ever ---------------------------
SAP_GUI_TRANSACTIONS = ("RZ10", "SMICM", "SICF", "STRUST", "SCOT", "SBWP", "SOST", "SBCS", "OA2C", "SNOTE", "SOAUTH2")


@pytest.mark.parametrize("cloud", CLOUDS_REAL)
@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("product", ["s4_public", "btp_abap"])
def test_products_without_sap_gui_never_get_a_sap_gui_step(product: str, option: str, cloud: str) -> None:
    guide = build(**option_config(option, product=product, cloud=cloud, basis_release=None, credential="certificate"))
    for step in guide.steps:
        assert step.where.value != "sap_gui", step.key
        assert not step.title.startswith(SAP_GUI_TRANSACTIONS), step.title
    assert "nothing to configure" not in guide.summary.lower() and "nothing to set up" not in guide.summary.lower()


@pytest.mark.parametrize("option", ["smtp_basic", "direct_send", "relay_connector", "relay_server"])
def test_public_edition_refuses_the_options_it_cannot_use_with_the_reason(option: str) -> None:
    guide = build(**option_config(option, product="s4_public"))
    assert [s.key for s in guide.steps] == ["refused.option"]
    assert guide.steps[0].values[0].value == "oauth2"
    error = next(n for n in guide.notices if n.level == "error")
    assert "no SAP GUI" in error.text and "SAP's own mail server" in error.text


@pytest.mark.parametrize("option", ["smtp_basic", "direct_send", "relay_connector"])
def test_btp_abap_refuses_the_options_it_cannot_use_and_names_the_two_that_work(option: str) -> None:
    guide = build(**option_config(option, product="btp_abap"))
    assert [s.key for s in guide.steps] == ["refused.option"]
    assert guide.steps[0].values[0].value == "oauth2, relay_server"


def test_public_edition_oauth_is_a_request_to_sap_dns_for_sap_mail_and_the_test_app() -> None:
    guide = build(option="oauth2", product="s4_public")
    keys = [s.key for s in guide.steps]
    assert keys[:3] == ["sap_managed.exchange_online", "sap_managed.sap_mail_server", "btp.monitor_email_transmissions"]
    request = guide.step("sap_managed.exchange_online")
    assert any(note.startswith("Unverified:") and "Fiori launchpad" in note for note in request.notes)
    assert "sap-prd@contoso.com" in [v.value for v in request.values]
    assert "3231960" in " ".join(guide.step("sap_managed.sap_mail_server").notes)


@pytest.mark.parametrize("cloud", CLOUDS_REAL)
def test_btp_abap_can_use_a_relay_server_through_the_cloud_connector(cloud: str) -> None:
    guide = build(**option_config("relay_server", product="btp_abap", cloud=cloud, smtp_host="mailrelay.corp.local"))
    keys = [s.key for s in guide.steps]
    for key in ("btp.cloud_connector", "btp.communication_system", "btp.communication_arrangement"):
        assert key in keys
    system = {v.label: v.value for v in guide.step("btp.communication_system").values}
    assert system["Host name"] == "mailrelay.corp.local" and system["Port"] == "25"
    assert "enabled" in system["Cloud Connector"] and "User and Password" in system["Outbound user"]
    assert {v.label: v.value for v in guide.step("btp.communication_arrangement").values}["Scenario"] == "SAP_COM_0548"
    assert "relay.install" in keys and "upstream.exchange.connector" in keys  # the relay still needs its connector
    assert "Cloud Connector → relay" in {v.label for v in guide.step("relay.network").values}


@pytest.mark.parametrize("option", ["oauth2", "relay_server"])
def test_btp_abap_guides_end_with_the_recipient_allowlist_and_monitor_email_transmissions(option: str) -> None:
    guide = build(
        **option_config(option, product="btp_abap", credential="certificate", test_recipient="ap@fabrikam.com")
    )
    btp_keys = [s.key for s in guide.steps if s.key.startswith("btp.")]
    assert btp_keys[-2:] == ["btp.email_allowlist", "btp.monitor_email_transmissions"]
    allowlist = {v.label: v.value for v in guide.step("btp.email_allowlist").values}
    assert allowlist["Allowed recipient domain(s)"] == "fabrikam.com"
    assert allowlist["Allowed sender domain"] == "contoso.com"
    assert "SMAIL_VM_RCV_DOM" in allowlist["Where"]
    assert "not allowed" in guide.step("btp.email_allowlist").why
    test_step = guide.step("btp.monitor_email_transmissions")
    assert {v.label: v.value for v in test_step.values}["Recipient"] == "ap@fabrikam.com"


# -- 10. Confirm delivery: message trace filled in, Microsoft's diagnostic, what each status means ----
@pytest.mark.parametrize("cloud", CLOUDS_REAL)
@pytest.mark.parametrize("option", OPTIONS)
def test_every_guide_ends_with_a_filled_in_message_trace_and_microsofts_diagnostic(option: str, cloud: str) -> None:
    guide = build(**option_config(option, cloud=cloud, sender="invoices@contoso.com"))
    keys = [s.key for s in guide.steps]
    trace_key = "migrate.exchange.message_trace" if option == "smtp_basic" else "exchange.message_trace"
    assert keys.count(trace_key) == 1
    command = connector_command(guide, trace_key)
    assert f"-ExchangeEnvironmentName {CLOUDS[cloud].exchange_environment}" in command
    assert (
        "Get-MessageTraceV2 -SenderAddress 'invoices@contoso.com' -RecipientAddress 'basis-team@contoso.com' "
        "-StartDate (Get-Date).AddHours(-24) -EndDate (Get-Date)"
    ) in command
    assert "Get-MessageTraceDetailV2" in command
    statuses = {v.label for v in guide.step(trace_key).values}
    assert {"Status Delivered", "Status Pending", "Status Failed", "Status FilteredAsSpam"} <= statuses
    diagnostic = "migrate.m365.mail_flow_diagnostic" if option == "smtp_basic" else "m365.mail_flow_diagnostic"
    assert "https://aka.ms/smtprelay" in [v.value for v in guide.step(diagnostic).values]
    flagged = any("Unverified" in note for note in guide.step(diagnostic).notes)
    assert flagged == (cloud != "global")


def test_the_trace_uses_the_mailbox_when_no_separate_sender_is_set() -> None:
    guide = build(option="oauth2", sender="", mailbox="sap-prd@contoso.com")
    assert "-SenderAddress 'sap-prd@contoso.com'" in connector_command(guide, "exchange.message_trace")


# -- 11. Tenant attribution of relayed mail (MC1226222) ---------------------------------------------
@pytest.mark.parametrize("cloud", CLOUDS_REAL)
def test_an_ip_connector_warns_that_a_shared_egress_ip_breaks_attribution_and_recommends_a_certificate(
    cloud: str,
) -> None:
    guide = build(option="relay_connector", cloud=cloud, egress_ips=(IPV4,), sender="invoices@contoso.com")
    notice = next(n for n in guide.notices if "attributes relayed mail" in n.text)
    assert notice.level == "warning" and "MC1226222" in notice.source
    assert "(contoso.com) is an accepted domain" in notice.text
    assert "shared with other organisations" in notice.text and "certificate-based connectors" in notice.text


def test_a_certificate_connector_needs_its_cn_or_san_in_an_accepted_domain() -> None:
    guide = build(
        option="relay_connector",
        credential="certificate",
        tls="starttls",
        extra={"tls_certificate_name": "sap.contoso.com"},
    )
    notice = next(n for n in guide.notices if "attributes relayed mail" in n.text)
    assert "CN or SAN" in notice.text and "sap.contoso.com" in notice.text
    other = validate(
        config(option="relay_connector", credential="certificate", extra={"tls_certificate_name": "sap.fabrikam.net"})
    )
    assert any(p.field == "credential" and "accepted domain" in p.message for p in other)


def test_a_relay_server_with_a_connector_upstream_carries_the_attribution_rule_too() -> None:
    guide = build(**option_config("relay_server"))
    assert any("attributes relayed mail" in n.text and n.level == "warning" for n in guide.notices)


# -- 12. Sending limits in the guides --------------------------------------------------------------
@pytest.mark.parametrize("option", ["oauth2", "smtp_basic"])
def test_smtp_auth_guides_state_the_mailbox_and_tenant_limits_and_the_way_out(option: str) -> None:
    notice = next(n for n in build(option=option).notices if "Limits of the sending mailbox" in n.text)
    for fact in ("30 messages a minute", "10,000 recipients", "500 recipients per message", "550 5.7.233"):
        assert fact in notice.text
    assert "relay connector" in notice.text and "High Volume Email" in notice.text
    assert "outbound-spam-sending-limits" in notice.source


@pytest.mark.parametrize("option", ["direct_send", "relay_connector"])
def test_mx_guides_do_not_claim_the_mailbox_limits(option: str) -> None:
    assert not any("Limits of the sending mailbox" in n.text for n in build(**option_config(option)).notices)


# -- 13. DKIM and DMARC alignment -------------------------------------------------------------------
@pytest.mark.parametrize("cloud", CLOUDS_REAL)
@pytest.mark.parametrize("option", ["oauth2", "relay_connector", "relay_server"])
def test_guides_whose_mail_leaves_exchange_online_set_up_dkim_and_its_check_is_planned(option: str, cloud: str) -> None:
    from connectors.registry import plan_for

    initial = f"contoso.{CLOUDS[cloud].tenant_suffix}"
    guide = build(**option_config(option, cloud=cloud, tenant=initial))
    key = "upstream.dns.dkim" if option == "relay_server" else "dns.dkim"
    step = guide.step(key)
    assert step.check == "dkim.record"
    values = {v.label: v.value for v in step.values}
    assert values["Name"] == "selector1._domainkey.contoso.com"
    assert values["Value (classic form)"].startswith(f"selector1-contoso-com._domainkey.{initial}")
    assert "dkim.mail.microsoft" in values["Value (domains set up from 2025)"]
    assert "Set-DkimSigningConfig -Identity 'contoso.com' -Enabled $true" in step.command.text
    assert "dkim.record" in {check.key for check in plan_for(config(**option_config(option)))}


def test_direct_send_has_no_dkim_step_or_check_its_mail_stays_in_the_tenant() -> None:
    from connectors.registry import plan_for

    assert not build(**option_config("direct_send")).has_step("dns.dkim")
    assert "dkim.record" not in {check.key for check in plan_for(config(option="direct_send"))}


@pytest.mark.parametrize("option", ["oauth2", "direct_send", "relay_connector"])
def test_dmarc_guidance_goes_beyond_p_none_to_quarantine_and_reject(option: str) -> None:
    step = build(**option_config(option)).step("dns.dmarc")
    values = {v.label: v.value for v in step.values}
    assert values["Start with (if none exists)"].startswith("v=DMARC1; p=none; rua=mailto:")
    assert "p=quarantine; pct=25" in values["Then"] and "p=reject" in values["Finally"]
    assert any("aligned with the From domain" in note for note in step.notes)


# -- 14. What blocks SMTP AUTH besides the mailbox switch -------------------------------------------
def test_the_oauth_guide_checks_the_mailbox_and_tenant_switch_and_workload_identity_policies() -> None:
    guide = build(option="oauth2")
    smtp_auth = guide.step("exchange.smtp_auth")
    assert "Get-CASMailbox -Identity 'sap-prd@contoso.com' | Format-List SmtpClientAuthenticationDisabled" in (
        smtp_auth.command.text
    )
    assert any("empty mailbox value means the tenant's setting decides" in note for note in smtp_auth.notes)
    policy = guide.step("entra.conditional_access")
    assert "AADSTS53003" in policy.why and policy.check == "oauth.token"
    assert "Workload identities" in {v.label: v.value for v in policy.values}["Policies"]


def test_the_basic_guide_names_all_four_blockers_with_their_commands() -> None:
    step = build(option="smtp_basic").step("current.smtp_auth")
    assert "Get-AuthenticationPolicy | Format-List Name,AllowBasicAuthSmtp" in step.command.text
    notes = " ".join(step.notes)
    for blocker in (
        "SmtpClientAuthenticationDisabled",
        "AllowBasicAuthSmtp",
        "security defaults",
        "Conditional Access",
    ):
        assert blocker in notes


def test_each_blocker_has_its_code_in_the_catalogue() -> None:
    from diagnostics.catalogue import explain

    assert "Set-TransportConfig" in explain("5.7.139", "SmtpClientAuthentication is disabled for the Tenant").remedy
    assert "OAuth 2.0" in explain("5.7.139", "basic authentication is disabled").remedy
    assert "security defaults" in explain("5.7.139", "the request did not meet the criteria").cause
    assert "Workload Identities Premium" in explain("AADSTS53003").meaning


# -- 15. Legacy TLS ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cloud", "endpoint"),
    [
        ("global", "smtp-legacy.office365.com"),
        ("china", "smtp-legacy.partner.outlook.cn"),
        ("gcc-high", None),
        ("dod", None),
    ],
)
def test_the_tls_step_says_what_an_old_commoncryptolib_can_do_per_cloud(cloud: str, endpoint: str | None) -> None:
    notes = " ".join(build(option="oauth2", cloud=cloud).step("sap.tls_parameters").notes)
    assert "SAP Note 510007" in notes and "patch level 88" in notes and "relay server" in notes
    if endpoint:
        assert endpoint in notes and "AllowLegacyTLSClients $true" in notes and "Unverified" in notes
    else:
        assert "smtp-legacy" not in notes and "not offered in GCC, GCC High or DoD" in notes


def test_the_legacy_endpoint_is_never_offered_to_mx_options_it_is_for_smtp_auth_only() -> None:
    notes = " ".join(build(**option_config("relay_connector")).step("sap.tls_parameters").notes)
    assert "smtp-legacy" not in notes and "relay server" in notes


def test_421_4_7_66_names_the_update_the_relay_and_the_flagged_legacy_endpoint() -> None:
    from diagnostics.catalogue import explain

    remedy = explain("4.7.66", "TLS 1.0 and 1.1 are not supported").remedy
    assert "patch level 88" in remedy and "relay server" in remedy and "unverified" in remedy


# -- 16. Credential rotation with overlap -------------------------------------------------------------
def test_a_certificate_is_rotated_with_old_and_new_on_the_app_and_the_sap_details_flagged() -> None:
    from datetime import date

    guide = build(
        option="oauth2",
        credential="certificate",
        certificate_thumbprint="AB12CD",
        certificate_expires=date(2026, 12, 20),
    )
    step = guide.step("entra.credential_rotation")
    values = {v.label: v.value for v in step.values}
    assert values["Current certificate (portal field Certificate thumbprint)"] == "AB12CD"
    assert values["Expires (portal field Certificate expires)"] == "2026-12-20"
    assert "the old one stays" in values["2. Entra"] and "delete the old certificate" in values["5. Entra"]
    assert any(note.startswith("Unverified:") for note in step.notes)
    assert step.check == "secret.expiry"
    assert any(n.level == "warning" and "expires on 2026-12-20, in 20 days" in n.text for n in guide.notices)


def test_a_secret_is_rotated_by_adding_the_new_one_before_deleting_the_old() -> None:
    step = build(option="oauth2", credential="secret").step("entra.credential_rotation")
    values = {v.label: v.value for v in step.values}
    assert "New client secret" in values["1. Entra"] and "OA2C_CONFIG" in values["2. SAP"]
    assert "delete the old secret" in values["4. Entra"]


# -- 18. SAP Note 455140, SCOT's "Node in use", a shared mailbox as the OAuth sender -----------------
@pytest.mark.parametrize("option", ["oauth2", "smtp_basic", "direct_send", "relay_connector", "relay_server"])
def test_sap_gui_guides_name_note_455140_and_the_node_in_use_flag(option: str) -> None:
    guide = build(**option_config(option))
    assert any("SAP Note 455140" in note for note in guide.step("sap.icm_parameter").notes)
    addressing = {v.label: v.value for v in guide.step("sap.scot_address_types").values}
    assert addressing["Node in use"].startswith("checked")
    assert "Maximum waiting time for repeat send attempt procedure" in addressing


@pytest.mark.parametrize("cloud", CLOUDS_REAL)
def test_the_oauth_sender_can_be_a_shared_mailbox_without_a_licence(cloud: str) -> None:
    step = build(option="oauth2", cloud=cloud).step("m365.shared_mailbox")
    values = {v.label: v.value for v in step.values}
    assert values["Path"] == "Teams & groups → Shared mailboxes → Add a shared mailbox"
    assert values["Email"] == "sap-prd@contoso.com" and "50 GB" in values["Licence"]
    assert values["Admin center"].startswith(CLOUDS[cloud].m365_admin_center)
