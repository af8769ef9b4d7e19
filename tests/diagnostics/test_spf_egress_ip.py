"""spf.egress_ip: pyspf evaluates the egress IP against the sender domain's SPF, through our resolver."""

import spf as pyspf

from connectors.clouds import CLOUDS
from diagnostics.checks import spf as spf_check
from diagnostics.checks.spf import CHECKS, check_spf_egress_ip
from diagnostics.findings import Finding, Status
from lab.dns import LAB_EGRESS_IP, LAB_TIMEOUT_NAME, LAB_UNKNOWN_IP


def _check(domain, ips, resolver):
    return check_spf_egress_ip(domain, tuple(ips), cloud=CLOUDS["lab"], resolver=resolver, timeout=0.4)


def test_an_authorised_ip_passes(resolver):
    finding = _check("good.lab.test", [LAB_EGRESS_IP], resolver)
    assert finding.status == Status.PASS
    assert f"{LAB_EGRESS_IP}: pass" in finding.evidence


def test_an_ip_missing_from_spf_fails_with_the_record_that_adds_it(resolver):
    finding = _check("spf-missing-ip.lab.test", [LAB_EGRESS_IP], resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "spf.ip_not_authorised")
    assert "result: fail" in finding.summary
    assert f"v=spf1 ip4:{LAB_EGRESS_IP} include:spf.protection.outlook.com -all" in finding.remedy


def test_every_ip_must_pass_and_the_first_failing_one_is_named(resolver):
    finding = _check("good.lab.test", [LAB_EGRESS_IP, LAB_UNKNOWN_IP], resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "spf.ip_not_authorised")
    assert LAB_UNKNOWN_IP in finding.summary


def test_an_ip_authorised_through_an_include_passes(resolver):
    assert _check("spf-missing-ip.lab.test", ["40.107.1.2"], resolver).status == Status.PASS  # Microsoft's range


def test_an_ip_authorised_through_an_a_mechanism_passes(lab_dns, resolver):
    lab_dns.records.add("a-mech.lab.test", "TXT", "v=spf1 a:sap-prd.lab.test -all")
    lab_dns.records.add("sap-prd.lab.test", "A", LAB_UNKNOWN_IP)
    assert _check("a-mech.lab.test", [LAB_UNKNOWN_IP], resolver).status == Status.PASS


def test_two_spf_records_are_a_permerror(resolver):
    assert _check("spf-two.lab.test", [LAB_EGRESS_IP], resolver).code == "spf.invalid"


def test_a_dns_timeout_is_an_error(resolver):
    finding = _check(LAB_TIMEOUT_NAME, [LAB_EGRESS_IP], resolver)
    assert (finding.status, finding.code) == (Status.ERROR, "spf.lookup_failed")


def test_without_an_egress_ip_it_is_skipped(resolver):
    assert _check("good.lab.test", [], resolver).status == Status.SKIPPED


def test_pyspf_outside_a_check_keeps_its_own_lookup():
    # The checks extend pyspf per query (RunQuery); its module-level lookup is the one it ships.
    assert pyspf.DNSLookup is pyspf.DNSLookup_dnspython
    assert spf_check.RunQuery.dns is not pyspf.query.dns


def test_the_ip_exchange_saw_wins_over_the_configured_ones(make_ctx):
    ctx = make_ctx(option="direct_send", cloud="lab", sender="sap@spf-missing-ip.lab.test", egress_ips=(LAB_EGRESS_IP,))
    assert CHECKS["spf.egress_ip"](ctx).code == "spf.ip_not_authorised"
    ctx.record(Finding("egress.ip", Status.PASS, "seen", facts={"seen_ip": "40.107.1.2"}))
    assert CHECKS["spf.egress_ip"](ctx).status == Status.PASS
