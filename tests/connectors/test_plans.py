"""The plans are a contract with diagnostics/: exact keys and dependencies per option."""

from __future__ import annotations

import pytest

from connectors.endpoints import Endpoint, effective_endpoint, upstream_endpoint
from connectors.plan import PlannedCheck
from connectors.registry import OPTIONS, plan_for
from tests.support.samples import config

CONNECTION = {
    "dns.host": (),
    "tcp.connect": ("dns.host",),
    "smtp.banner": ("tcp.connect",),
    "smtp.ehlo": ("smtp.banner",),
    "tls.starttls": ("smtp.ehlo",),
    "tls.certificate": ("tls.starttls",),
}

EXPECTED = {
    "oauth2": {
        **CONNECTION,
        "smtp.auth_mechanisms": ("tls.starttls",),
        "oauth.token": (),
        "oauth.claims": ("oauth.token",),
        "smtp.auth": ("smtp.auth_mechanisms", "oauth.token"),
        "smtp.envelope": ("smtp.auth",),
        "send.test": ("smtp.envelope",),
        "egress.ip": ("smtp.ehlo",),
        "spf.record": (),
        "dmarc.record": (),
        "dkim.record": (),
        "secret.expiry": (),
    },
    "smtp_basic": {
        **CONNECTION,
        "smtp.auth_mechanisms": ("tls.starttls",),
        "smtp.auth": ("smtp.auth_mechanisms",),
        "smtp.envelope": ("smtp.auth",),
        "send.test": ("smtp.envelope",),
        "egress.ip": ("smtp.ehlo",),
        "spf.record": (),
        "dmarc.record": (),
        "dkim.record": (),
        "secret.expiry": (),
        "setup.basic_auth_retirement": (),
    },
    "direct_send": {
        **CONNECTION,
        "dns.mx": (),
        "smtp.envelope": ("tls.starttls",),
        "send.test": ("smtp.envelope",),
        "egress.ip": ("smtp.ehlo",),
        "spf.record": (),
        "spf.egress_ip": ("spf.record", "egress.ip"),
        "dmarc.record": (),
        "dnsbl.egress_ip": ("egress.ip",),
    },
    "relay_server": {
        **CONNECTION,
        "smtp.envelope": ("tls.starttls",),
        "send.test": ("smtp.envelope",),
        "egress.ip": ("smtp.ehlo",),
        "spf.record": (),
        "dmarc.record": (),
        "dkim.record": (),
    },
}
# The connector's mail leaves Exchange Online signed (DKIM); Direct Send's stays inside the tenant.
EXPECTED["relay_connector"] = {**EXPECTED["direct_send"], "dkim.record": ()}


@pytest.mark.parametrize("option", sorted(EXPECTED))
def test_each_plan_has_exactly_the_agreed_checks_and_dependencies(option: str) -> None:
    plan = plan_for(config(option=option), send_to="someone@contoso.com")
    assert {check.key: check.after for check in plan} == EXPECTED[option]


@pytest.mark.parametrize("option", sorted(EXPECTED))
def test_a_real_message_is_planned_only_when_a_recipient_is_given(option: str) -> None:
    keys = [check.key for check in plan_for(config(option=option))]
    assert "send.test" not in keys
    assert "smtp.envelope" in keys


@pytest.mark.parametrize("option", sorted(EXPECTED))
def test_every_dependency_runs_before_the_check_that_needs_it(option: str) -> None:
    plan = plan_for(config(option=option), send_to="x@contoso.com")
    seen: set[str] = set()
    for check in plan:
        assert set(check.after) <= seen, f"{check.key} depends on a later check"
        seen.add(check.key)
    assert len(seen) == len(plan), "no key twice"


def test_plans_are_made_of_planned_checks() -> None:
    for option in OPTIONS.values():
        assert all(isinstance(check, PlannedCheck) for check in option.plan(config(option=option.code)))


@pytest.mark.parametrize(
    ("cloud", "host", "port"),
    [
        ("global", "smtp.office365.com", 587),
        ("gcc-high", "smtp.office365.us", 587),
        ("dod", "outlook-dod.office365.us", 587),
        ("china", "smtp.partner.outlook.cn", 587),
        ("lab", "smtp.office365.lab.test", 2587),
    ],
)
def test_client_submission_defaults_to_the_clouds_submission_host_with_starttls(
    cloud: str, host: str, port: int
) -> None:
    for option in ("oauth2", "smtp_basic"):
        assert effective_endpoint(config(option=option, cloud=cloud)) == (host, port, "starttls")


@pytest.mark.parametrize(
    ("cloud", "host", "port"),
    [
        ("global", "contoso-com.mail.protection.outlook.com", 25),
        ("gcc-high", "contoso-com.mail.protection.office365.us", 25),
        ("china", "contoso-com.mail.protection.partner.outlook.cn", 25),
        ("lab", "contoso-com.mail.protection.lab.test", 2525),
    ],
)
def test_direct_send_and_connectors_default_to_the_sender_domains_mx_endpoint(cloud: str, host: str, port: int) -> None:
    for option in ("direct_send", "relay_connector"):
        assert effective_endpoint(config(option=option, cloud=cloud)) == Endpoint(host, port, "opportunistic")


def test_the_mx_endpoint_comes_from_the_mailbox_when_no_sender_is_set() -> None:
    endpoint = effective_endpoint(config(option="direct_send", sender="", mailbox="sap@sub.fabrikam.co.uk"))
    assert endpoint.host == "sub-fabrikam-co-uk.mail.protection.outlook.com"


def test_without_any_address_the_mx_endpoint_is_unknown_rather_than_invented() -> None:
    assert effective_endpoint(config(option="relay_connector", sender="", mailbox="")).host == ""


def test_a_relay_server_defaults_to_port_25_with_opportunistic_tls() -> None:
    assert effective_endpoint(config(option="relay_server", smtp_host="relay.corp.local")) == (
        "relay.corp.local",
        25,
        "opportunistic",
    )


def test_set_values_win_over_the_defaults() -> None:
    endpoint = effective_endpoint(config(option="oauth2", smtp_host="smtp.lab.test", smtp_port=2587, tls="implicit"))
    assert endpoint == ("smtp.lab.test", 2587, "implicit")


def test_the_relays_upstream_is_the_mx_endpoint_for_a_connector_and_the_submission_host_for_basic() -> None:
    assert upstream_endpoint(config(option="relay_server")).host == "contoso-com.mail.protection.outlook.com"
    basic = upstream_endpoint(config(option="relay_server", upstream_option="smtp_basic", cloud="gcc-high"))
    assert basic == ("smtp.office365.us", 587, "starttls")


def test_an_unknown_option_is_a_bug_not_a_diagnosis() -> None:
    with pytest.raises(ValueError, match="unknown option"):
        effective_endpoint(config(option="carrier_pigeon"))
    with pytest.raises(KeyError, match="known: oauth2"):
        plan_for(config(option="carrier_pigeon"))


def _expectations(**changes: object):
    plan = plan_for(config(**changes), send_to="x@contoso.com")
    assert len({item.expect for item in plan}) == 1, "every check of a plan expects the same route"
    return plan[0].expect


def test_client_submission_expects_exchanges_host_with_tls_and_auth() -> None:
    oauth = _expectations()
    assert (oauth.host, oauth.port, oauth.tls, oauth.documented_host) == (
        "smtp.office365.com", 587, "starttls", "smtp.office365.com"
    )  # fmt: skip
    assert oauth.microsoft_host and oauth.tls_mandatory and not oauth.private_host_ok and not oauth.old_tls_tolerated
    assert (oauth.auth, oauth.credential, oauth.expiry_required, oauth.ip_bound) == ("xoauth2", "secret", True, False)
    assert _expectations(credential="certificate").credential == "certificate"
    basic = _expectations(option="smtp_basic")
    assert (basic.auth, basic.credential, basic.expiry_required) == ("password", "password", False)


@pytest.mark.parametrize("option", ["direct_send", "relay_connector"])
def test_the_mx_route_expects_the_mx_endpoint_without_auth_and_is_bound_to_the_egress_ip(option: str) -> None:
    expect = _expectations(option=option)
    assert (expect.host, expect.port, expect.tls) == ("contoso-com.mail.protection.outlook.com", 25, "opportunistic")
    assert expect.documented_host == "contoso-com.mail.protection.outlook.com"
    assert expect.ip_bound and expect.microsoft_host and expect.auth == ""
    assert not expect.tls_mandatory and not expect.private_host_ok


def test_a_relay_server_may_be_private_and_old_unless_it_is_microsofts_host() -> None:
    internal = _expectations(option="relay_server", smtp_host="relay.corp.local")
    assert (internal.host, internal.port) == ("relay.corp.local", 25)
    assert not internal.microsoft_host and internal.private_host_ok and internal.old_tls_tolerated
    assert not internal.tls_mandatory and not internal.ip_bound and internal.auth == ""
    assert not _expectations(option="relay_server", smtp_host="smtp.office365.com").private_host_ok
