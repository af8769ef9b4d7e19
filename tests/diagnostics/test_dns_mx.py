"""dns.mx: for Direct Send and the relay connector the host must be the sender domain's MX endpoint."""

from connectors.clouds import CLOUDS
from diagnostics.checks.dns import CHECKS, check_dns_mx
from diagnostics.findings import Status
from lab.dns import LAB_SMTP_HOST, LAB_TIMEOUT_NAME, lab_mx_endpoint

LAB = CLOUDS["lab"]


def _check(host, domain, resolver):
    return check_dns_mx(host, domain, cloud=LAB, resolver=resolver, timeout=0.4)


def test_the_classic_mx_endpoint_passes(resolver):
    finding = _check(lab_mx_endpoint("good.lab.test"), "good.lab.test", resolver)
    assert finding.status == Status.PASS
    assert "MX good.lab.test: 0 good-lab-test.mail.protection.lab.test" in finding.evidence


def test_a_new_tenants_mx_microsoft_record_passes_and_so_does_the_classic_name(resolver):
    assert _check("newmx-lab-test.b-v1.mx.microsoft", "newmx.lab.test", resolver).status == Status.PASS
    assert _check(lab_mx_endpoint("newmx.lab.test"), "newmx.lab.test", resolver).status == Status.PASS


def test_the_submission_host_is_not_the_mx_endpoint(resolver):
    finding = _check(LAB_SMTP_HOST, "good.lab.test", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "dns.mx_mismatch")
    assert "expected good-lab-test.mail.protection.lab.test" in finding.summary
    assert "good-lab-test.mail.protection.lab.test, port 25" in finding.remedy


def test_another_domains_endpoint_is_a_mismatch_too(resolver):
    finding = _check(lab_mx_endpoint("no-dmarc.lab.test"), "good.lab.test", resolver)
    assert finding.code == "dns.mx_mismatch"


def test_the_remedy_names_the_new_style_mx_when_the_domain_has_one(resolver):
    finding = _check(LAB_SMTP_HOST, "newmx.lab.test", resolver)
    assert "newmx-lab-test.b-v1.mx.microsoft" in finding.remedy


def test_a_domain_without_mx_still_accepts_the_computed_endpoint(lab_dns, resolver):
    lab_dns.records.add("nomx.lab.test", "TXT", "v=spf1 -all")
    assert _check(lab_mx_endpoint("nomx.lab.test"), "nomx.lab.test", resolver).status == Status.PASS
    assert _check(LAB_SMTP_HOST, "nomx.lab.test", resolver).code == "dns.mx_mismatch"


def test_a_sender_domain_that_does_not_exist_is_nxdomain(resolver):
    assert _check("x.mail.protection.lab.test", "gone.lab.test", resolver).code == "dns.nxdomain"


def test_a_sender_domain_whose_dns_never_answers_is_a_timeout(resolver):
    assert _check("x.mail.protection.lab.test", LAB_TIMEOUT_NAME, resolver).code == "dns.timeout"


def test_without_a_sender_there_is_no_domain_to_compare(resolver):
    assert _check(LAB_SMTP_HOST, "", resolver).code == "dns.no_sender_domain"


def test_the_adapter_compares_the_configured_host_with_the_senders_domain(lab_dns, make_ctx):
    ctx = make_ctx(option="direct_send", cloud="lab", smtp_host=LAB_SMTP_HOST, sender="sap@good.lab.test")
    assert CHECKS["dns.mx"](ctx).code == "dns.mx_mismatch"


def test_a_subdomain_without_mx_or_endpoint_is_pointed_at_the_tenants_mx_of_its_accepted_parent(lab_dns, resolver):
    lab_dns.records.add("corp.lab.test", "MX", f"0 {lab_mx_endpoint('corp.lab.test')}")
    lab_dns.records.add(lab_mx_endpoint("corp.lab.test"), "A", "127.0.0.1")
    lab_dns.records.add("sap.corp.lab.test", "TXT", "v=spf1 -all")  # exists, but no MX and no endpoint
    wrong = _check(lab_mx_endpoint("sap.corp.lab.test"), "sap.corp.lab.test", resolver)
    assert (wrong.status, wrong.code) == (Status.FAIL, "dns.mx_subdomain")
    assert "corp-lab-test.mail.protection.lab.test" in wrong.summary
    assert "sap-corp-lab-test" not in wrong.remedy.split("Then")[0]  # never advised as the smart host
    assert "accepted domain" in wrong.remedy and "corp.lab.test" in wrong.remedy
    right = _check(lab_mx_endpoint("corp.lab.test"), "sap.corp.lab.test", resolver)
    assert (right.status, right.code) == (Status.WARN, "dns.mx_subdomain")


def test_a_subdomain_that_is_accepted_keeps_its_own_endpoint(lab_dns, resolver):
    lab_dns.records.add("corp.lab.test", "MX", f"0 {lab_mx_endpoint('corp.lab.test')}")
    lab_dns.records.add("hr.corp.lab.test", "TXT", "v=spf1 -all")
    lab_dns.records.add(lab_mx_endpoint("hr.corp.lab.test"), "A", "127.0.0.1")  # Exchange publishes it: accepted
    assert _check(lab_mx_endpoint("hr.corp.lab.test"), "hr.corp.lab.test", resolver).status == Status.PASS
