"""Rules per option: errors only for malformed values, warnings for Microsoft's and SAP's rules."""

from __future__ import annotations

import pytest

from connectors.problems import Problem, errors_in
from connectors.registry import OPTIONS, validate
from tests.support.samples import config


def _find(problems: list[Problem], field: str, text: str) -> Problem:
    matches = [p for p in problems if p.field == field and text.lower() in p.message.lower()]
    assert matches, f"no problem on {field!r} mentioning {text!r} in {problems}"
    return matches[0]


def test_the_sample_oauth2_setup_has_no_problem() -> None:
    assert validate(config()) == []


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", "RFC 1918"),
        ("172.20.0.5", "RFC 1918"),
        ("192.168.10.10", "RFC 1918"),
        ("100.64.1.1", "carrier-grade NAT"),
        ("127.0.0.1", "loopback"),
        ("169.254.3.4", "link-local"),
        ("fd00::25", "unique local"),
        ("10.0.0.0/8", "RFC 1918"),
    ],
)
def test_it_refuses_a_private_egress_ip_for_a_relay_connector_and_says_why(address: str, reason: str) -> None:
    problem = _find(validate(config(option="relay_connector", egress_ips=(address,))), "egress_ips", reason)
    assert problem.level == "error"
    assert "public" in problem.message


def test_a_public_egress_ip_or_range_is_accepted() -> None:
    problems = validate(config(option="direct_send", egress_ips=("20.50.1.7", "2a01:111:f400::/48")))
    assert [p for p in problems if p.field == "egress_ips"] == []


def test_a_documentation_range_passes_with_a_warning_because_demos_use_it() -> None:
    problem = _find(
        validate(config(option="relay_connector", egress_ips=("203.0.113.25",))), "egress_ips", "documentation"
    )
    assert problem.level == "warning"


def test_the_lab_cloud_accepts_loopback_as_the_egress_ip() -> None:
    problems = validate(config(option="relay_connector", cloud="lab", egress_ips=("127.0.0.1",)))
    assert errors_in(problems) == []


def test_a_relay_connector_without_egress_ips_warns_unless_it_uses_a_certificate() -> None:
    assert (
        _find(validate(config(option="relay_connector", egress_ips=())), "egress_ips", "static public").level
        == "warning"
    )
    certificate = validate(config(option="relay_connector", egress_ips=(), credential="certificate", tls="starttls"))
    assert not [p for p in certificate if p.field == "egress_ips"]


@pytest.mark.parametrize("option", ["oauth2", "smtp_basic"])
def test_a_microsoft_endpoint_given_as_an_ip_is_a_warning_not_an_error(option: str) -> None:
    problem = _find(validate(config(option=option, smtp_host="40.99.10.2")), "smtp_host", "IP address")
    assert problem.level == "warning" and not problem.is_error
    assert "smtp.office365.com" in problem.message


def test_an_mx_endpoint_given_as_an_ip_is_a_warning() -> None:
    assert (
        _find(validate(config(option="direct_send", smtp_host="52.101.1.1")), "smtp_host", "IP address").level
        == "warning"
    )


@pytest.mark.parametrize(
    ("port", "tls", "field", "text"),
    [
        (587, "none", "tls", "STARTTLS"),
        (587, "opportunistic", "tls", "starttls"),
        (465, "implicit", "smtp_port", "465"),
        (587, "implicit", "tls", "implicit"),
        (25, "starttls", "smtp_port", "587 is the recommended"),
        (2525, "starttls", "smtp_port", "not 2525"),
    ],
)
def test_client_submission_warns_about_port_and_tls_combinations_exchange_refuses(
    port: int, tls: str, field: str, text: str
) -> None:
    problem = _find(validate(config(smtp_port=port, tls=tls)), field, text)
    assert problem.level == "warning"


def test_587_with_starttls_is_what_exchange_wants() -> None:
    assert validate(config(smtp_port=587, tls="starttls")) == []


def test_the_mx_route_warns_about_587_and_implicit_tls() -> None:
    problems = validate(config(option="direct_send", smtp_port=587, tls="implicit"))
    assert _find(problems, "smtp_port", "client submission").level == "warning"
    assert _find(problems, "tls", "implicit").level == "warning"


def test_a_certificate_connector_needs_starttls() -> None:
    _find(
        validate(config(option="relay_connector", credential="certificate", tls="opportunistic")), "tls", "certificate"
    )


def test_the_submission_host_is_wrong_for_direct_send() -> None:
    _find(validate(config(option="direct_send", smtp_host="smtp.office365.com")), "smtp_host", "MX endpoint")


def test_an_mx_endpoint_of_another_domain_is_pointed_out() -> None:
    problem = _find(
        validate(config(option="direct_send", smtp_host="fabrikam-com.mail.protection.outlook.com")),
        "smtp_host",
        "contoso",
    )
    assert "contoso-com.mail.protection.outlook.com" in problem.message


def test_a_host_of_another_cloud_is_pointed_out() -> None:
    problem = _find(validate(config(cloud="gcc-high", smtp_host="smtp.office365.com")), "smtp_host", "Global")
    assert "GCC High" in problem.message


def test_a_tenant_domain_of_another_cloud_is_pointed_out() -> None:
    _find(validate(config(tenant="contoso.onmicrosoft.us")), "tenant", "AADSTS90002")
    assert not [p for p in validate(config(cloud="gcc-high", tenant="contoso.onmicrosoft.us")) if p.field == "tenant"]


@pytest.mark.parametrize(
    ("release", "credential", "field", "text"),
    [
        (740, "secret", "basis_release", "7.50"),
        (702, "secret", "basis_release", "7.02"),
        (750, "certificate", "credential", "7.51"),
        (None, "secret", "basis_release", "not set"),
    ],
)
def test_oauth_release_limits_are_warnings_with_the_release_named(
    release: int | None, credential: str, field: str, text: str
) -> None:
    problem = _find(validate(config(basis_release=release, credential=credential)), field, text)
    assert problem.level == "warning"


def test_oauth_below_750_names_the_alternatives() -> None:
    message = _find(validate(config(basis_release=740)), "basis_release", "7.40").message
    assert "relay_connector" in message and "direct_send" in message


@pytest.mark.parametrize(("release", "credential"), [(750, "secret"), (751, "certificate"), (816, "certificate")])
def test_oauth_is_fine_from_750_with_a_secret_and_from_751_with_a_certificate(release: int, credential: str) -> None:
    problems = validate(config(basis_release=release, credential=credential, certificate_thumbprint="AB" * 20))
    assert [p for p in problems if p.field in ("basis_release", "credential")] == []


def test_btp_abap_needs_the_jwt_bearer_grant() -> None:
    problem = _find(validate(config(product="btp_abap", basis_release=None)), "credential", "SAP_COM_0548")
    assert problem.level == "warning"
    assert not [p for p in validate(config(product="btp_abap", basis_release=None)) if p.field == "basis_release"]


@pytest.mark.parametrize("option", ["direct_send", "relay_connector", "smtp_basic"])
def test_btp_abap_with_an_option_it_cannot_use_is_told_which_ones_work(option: str) -> None:
    _find(validate(config(option=option, product="btp_abap", smtp_host="relay.corp.local")), "option", "oauth2")


def test_btp_abap_may_use_a_relay_server_through_the_cloud_connector() -> None:
    problems = validate(config(option="relay_server", product="btp_abap", smtp_host="relay.corp.local"))
    assert not [p for p in problems if p.field == "option"]


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_s4hana_cloud_public_edition_is_run_by_sap_and_refuses_the_other_options(option: str) -> None:
    problems = validate(config(option=option, product="s4_public", smtp_host="relay.corp.local"))
    if option == "oauth2":
        problem = _find(problems, "product", "SAP manages")
    else:
        problem = _find(problems, "option", "no SAP GUI")
    assert problem.level == "warning"


def test_a_sender_other_than_the_mailbox_needs_send_as() -> None:
    _find(validate(config(sender="invoices@contoso.com")), "sender", "Send As")


def test_sender_and_mailbox_in_different_domains_must_both_be_accepted() -> None:
    _find(validate(config(sender="invoices@fabrikam.com")), "sender", "accepted domains")


def test_a_sender_outside_a_custom_tenant_domain_is_pointed_out() -> None:
    problem = _find(
        validate(config(tenant="contoso.com", sender="sap@fabrikam.com", mailbox="sap@fabrikam.com")),
        "sender",
        "5.7.750",
    )
    assert problem.level == "warning"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"client_id": "not-a-guid"}, "client_id"),
        ({"service_principal_id": "12345"}, "service_principal_id"),
        ({"tenant": "contoso"}, "tenant"),
        ({"mailbox": "sap-prd"}, "mailbox"),
        ({"sender": "sap prd@contoso.com"}, "sender"),
        ({"test_recipient": "someone@"}, "test_recipient"),
        ({"smtp_port": 70000}, "smtp_port"),
        ({"tls": "ssl"}, "tls"),
        ({"cloud": "mars"}, "cloud"),
        ({"smtp_host": "smtp office365 com"}, "smtp_host"),
    ],
)
def test_malformed_values_are_errors(changes: dict[str, object], field: str) -> None:
    problems = validate(config(**changes))
    assert any(p.field == field and p.level == "error" for p in problems), problems


def test_addresses_in_special_use_domains_are_accepted() -> None:
    problems = validate(config(sender="sap@demo.test", mailbox="sap@demo.test", test_recipient="a@b.example"))
    assert errors_in(problems) == []


def test_missing_values_are_warnings_that_name_the_field() -> None:
    problems = validate(config(tenant="", client_id="", mailbox="", sender=""))
    for field in ("tenant", "client_id", "mailbox"):
        assert _find(problems, field, "not set").level == "warning"


def test_smtp_basic_always_carries_the_retirement_warning_and_the_target() -> None:
    problem = _find(validate(config(option="smtp_basic")), "option", "retired")
    assert problem.level == "warning"
    assert "oauth2" in problem.message
    assert (
        "relay_connector"
        in _find(validate(config(option="smtp_basic", basis_release=740)), "option", "retired").message
    )


def test_direct_send_warns_about_a_test_recipient_outside_the_tenant() -> None:
    problems = validate(config(option="direct_send", test_recipient="buyer@vendor.example"))
    assert _find(problems, "test_recipient", "5.7.64").level == "warning"


def test_a_relay_server_pointed_at_exchange_online_itself_is_questioned() -> None:
    _find(validate(config(option="relay_server", smtp_host="smtp.office365.com")), "smtp_host", "relay itself")


def test_a_relay_server_upstream_with_oauth_is_warned_about_postfix() -> None:
    problems = validate(config(option="relay_server", smtp_host="relay.corp.local", upstream_option="oauth2"))
    assert _find(problems, "upstream_option", "XOAUTH2").level == "warning"


def test_an_unknown_upstream_is_an_error() -> None:
    problems = validate(config(option="relay_server", smtp_host="relay.corp.local", upstream_option="pigeon"))
    assert _find(problems, "upstream_option", "unknown").level == "error"


def test_an_unknown_option_is_an_error() -> None:
    assert _find(validate(config(option="fax")), "option", "unknown").level == "error"


def test_each_option_declares_its_required_fields() -> None:
    assert OPTIONS["oauth2"].required_fields == ("tenant", "client_id", "mailbox", "credential")
    assert OPTIONS["relay_connector"].required_fields == ("sender", "egress_ips")
    assert OPTIONS["relay_server"].required_fields == ("smtp_host", "sender")
