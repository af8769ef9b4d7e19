"""egress.ip: the IP Exchange Online saw vs the static egress IPs of the mail setup."""

from diagnostics.checks.egress import check_egress_ip
from diagnostics.context import Target
from diagnostics.findings import Status
from tests.support.lab_checks import lab_config, make_context, run_chain

TO_EGRESS = ("tcp.connect", "smtp.banner", "smtp.ehlo", "egress.ip")


def _egress(lab, env, listener, option, egress_ips):
    config = lab_config(lab, listener, option=option, egress_ips=egress_ips, tls="opportunistic")
    return run_chain(make_context(Target(config), env), TO_EGRESS)["egress.ip"]


def test_the_seen_ip_matching_a_configured_one_passes(lab, lab_env):
    found = _egress(lab, lab_env, "mx", "relay_connector", ("203.0.113.10",))
    assert found.status == Status.PASS and found.facts["seen_ip"] == "203.0.113.10"


def test_another_ip_breaks_a_relay_connector_and_says_where_it_was_seen_from(lab, lab_env):
    found = _egress(lab, lab_env, "mx", "relay_connector", ("198.51.100.7",))
    assert (found.status, found.code) == (Status.FAIL, "egress.ip_mismatch")
    assert "sap-worker-01" in found.summary  # the worker's view, not necessarily the SAP host's
    assert "Set-InboundConnector" in found.remedy


def test_another_ip_is_only_a_warning_for_oauth(lab, lab_env):
    assert _egress(lab, lab_env, "submission", "oauth2", ("198.51.100.7",)).status == Status.WARN


def test_no_recorded_ip_is_a_warning_where_the_ip_matters(lab, lab_env):
    found = _egress(lab, lab_env, "mx", "direct_send", ())
    assert (found.status, found.code) == (Status.WARN, "egress.ip_not_configured")
    assert _egress(lab, lab_env, "submission", "oauth2", ()).status == Status.PASS


def test_a_server_that_does_not_report_the_ip_leaves_nothing_to_compare(lab, lab_env):
    found = _egress(lab, lab_env, "tls10", "relay_server", ("203.0.113.10",))
    assert (found.status, found.code) == (Status.SKIPPED, "egress.ip_not_reported")


def test_addresses_compare_as_addresses():
    found = check_egress_ip("2001:db8::1", configured=("2001:0db8:0:0::1",), ip_bound=True, where="here")
    assert found.status == Status.PASS


def test_an_ipv4_mapped_address_is_the_same_as_its_ipv4_address():
    found = check_egress_ip("::ffff:203.0.113.10", configured=("203.0.113.10",), ip_bound=True, where="here")
    assert found.status == Status.PASS
