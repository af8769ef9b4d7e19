"""dmarc.record: the sender domain publishes a DMARC policy; none is a warning with the record to publish."""

from diagnostics.checks.dmarc import CHECKS, check_dmarc_record
from diagnostics.findings import Status


def _check(domain, resolver):
    return check_dmarc_record(domain, resolver=resolver, timeout=0.4)


def test_a_quarantine_policy_passes(resolver):
    finding = _check("good.lab.test", resolver)
    assert finding.status == Status.PASS
    assert finding.summary == "good.lab.test publishes DMARC p=quarantine"
    assert "_dmarc.good.lab.test TXT v=DMARC1; p=quarantine" in finding.evidence


def test_no_dmarc_is_a_warning_with_the_record_to_publish(resolver):
    finding = _check("no-dmarc.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.WARN, "dmarc.missing")
    assert "_dmarc.no-dmarc.lab.test: v=DMARC1; p=none; rua=mailto:dmarc-reports@no-dmarc.lab.test" in finding.remedy


def test_a_monitoring_only_policy_is_a_warning(resolver):
    finding = _check("dmarc-none.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.WARN, "dmarc.monitoring_only")


def test_a_subdomain_inherits_the_organisational_domains_subdomain_policy(lab_dns, resolver):
    lab_dns.records.add("org.lab.test", "TXT", "v=spf1 -all")
    lab_dns.records.add("_dmarc.org.lab.test", "TXT", "v=DMARC1; p=reject; sp=none")
    lab_dns.records.add("sap.org.lab.test", "MX", "10 mx.org.lab.test")
    finding = _check("sap.org.lab.test", resolver)
    assert finding.code == "dmarc.monitoring_only"
    assert "inherited from org.lab.test" in finding.summary


def test_two_dmarc_records_are_invalid(lab_dns, resolver):
    lab_dns.records.add("_dmarc.good.lab.test", "TXT", "v=DMARC1; p=reject")
    assert _check("good.lab.test", resolver).code == "dmarc.invalid"


def test_a_dns_timeout_is_an_error_not_a_missing_record(lab_dns, resolver):
    lab_dns.records.add("slow.lab.test", "TXT", "v=spf1 -all")
    lab_dns.records.silence("_dmarc.slow.lab.test")
    finding = _check("slow.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.ERROR, "dmarc.lookup_failed")


def test_the_adapter_reads_the_sender_domain(make_ctx):
    finding = CHECKS["dmarc.record"](make_ctx(option="direct_send", sender="sap@no-dmarc.lab.test"))
    assert finding.code == "dmarc.missing"
    assert CHECKS["dmarc.record"](make_ctx(option="direct_send")).status == Status.SKIPPED
