"""spf.record: one SPF record, with the cloud's include, within 10 DNS lookups — read through our resolver."""

from connectors.clouds import CLOUDS
from diagnostics.checks.spf import CHECKS, check_spf_record
from diagnostics.findings import Status
from lab.dns import LAB_EGRESS_IP, LAB_TIMEOUT_NAME


def _check(domain, resolver, cloud="lab"):
    return check_spf_record(domain, cloud=CLOUDS[cloud], egress_ips=(LAB_EGRESS_IP,), resolver=resolver, timeout=0.4)


def test_a_good_record_passes_with_its_lookup_count(resolver):
    finding = _check("good.lab.test", resolver)
    assert finding.status == Status.PASS
    assert "include:spf.protection.outlook.com" in finding.summary
    assert "DNS lookups: 1 of 10" in finding.evidence


def test_a_domain_without_spf_fails_with_the_record_to_publish(resolver):
    finding = _check("spf-none.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "spf.missing")
    assert f"v=spf1 ip4:{LAB_EGRESS_IP} include:spf.protection.outlook.com ~all" in finding.remedy


def test_two_spf_records_fail_and_the_remedy_merges_them(resolver):
    finding = _check("spf-two.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "spf.multiple")
    assert finding.evidence.count("TXT v=spf1") == 2
    assert f"ip4:{LAB_EGRESS_IP}" in finding.remedy and "include:spf.protection.outlook.com" in finding.remedy


def test_a_record_without_the_microsoft_include_fails(resolver):
    finding = _check("spf-missing-include.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "spf.no_include")
    assert "include:spf.protection.outlook.com" in finding.remedy


def test_the_include_is_the_one_of_the_systems_cloud(lab_dns, resolver):
    lab_dns.records.add("spf.protection.office365.us", "TXT", "v=spf1 ip4:192.0.2.0/24 -all")
    finding = _check("good.lab.test", resolver, cloud="gcc-high")
    assert finding.code == "spf.no_include"
    assert "include:spf.protection.office365.us" in finding.summary


def test_an_include_reached_through_another_include_counts(lab_dns, resolver):
    lab_dns.records.add("nested.lab.test", "TXT", "v=spf1 include:mail-vendor.lab.test -all")
    lab_dns.records.add("mail-vendor.lab.test", "TXT", "v=spf1 include:spf.protection.outlook.com -all")
    assert _check("nested.lab.test", resolver).status == Status.PASS


def test_more_than_ten_lookups_fail(resolver):
    finding = _check("spf-too-many.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "spf.too_many_lookups")
    assert "11/10" in finding.summary


def test_a_syntax_error_is_an_invalid_record_that_fails(lab_dns, resolver):
    lab_dns.records.add("broken.lab.test", "TXT", "v=spf1 ip4:203.0.113.300 -all")
    finding = _check("broken.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "spf.invalid")


def test_a_domain_that_does_not_exist_has_no_spf(resolver):
    finding = _check("gone.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "spf.missing")
    assert "NXDOMAIN" in finding.summary


def test_a_dns_timeout_is_an_error_not_a_missing_record(resolver):
    finding = _check(LAB_TIMEOUT_NAME, resolver)
    assert (finding.status, finding.code) == (Status.ERROR, "spf.lookup_failed")


def test_answers_cached_by_an_earlier_run_are_not_reused(lab_dns, resolver):
    assert _check("good.lab.test", resolver).status == Status.PASS
    lab_dns.records.replace("spf.protection.outlook.com", "TXT")  # the include target vanishes
    # checkdmarc caches per process by name only: a stale answer would still pass here.
    assert _check("good.lab.test", resolver).code == "spf.invalid"


def test_the_adapter_checks_the_sender_domain(make_ctx):
    ctx = make_ctx(option="relay_connector", cloud="lab", sender="sap@spf-two.lab.test", egress_ips=(LAB_EGRESS_IP,))
    assert CHECKS["spf.record"](ctx).code == "spf.multiple"


def test_the_adapter_without_a_sender_is_skipped(make_ctx):
    assert CHECKS["spf.record"](make_ctx(option="relay_connector")).status == Status.SKIPPED
