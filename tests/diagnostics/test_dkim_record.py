"""dkim.record: both DKIM selector CNAMEs of Exchange Online, in the classic or the 2025 form, served by
the lab DNS on loopback."""

from connectors.clouds import CLOUDS
from diagnostics.checks.dkim import CHECKS, check_dkim_record, microsoft_form
from diagnostics.findings import Status
from diagnostics.registry import CHECKS as ALL_CHECKS
from lab.dns import LAB_TIMEOUT_NAME

LAB = CLOUDS["lab"]


def _check(domain, resolver):
    return check_dkim_record(domain, cloud=LAB, resolver=resolver, timeout=0.4)


def test_the_classic_selectors_pass(resolver):
    found = _check("good.lab.test", resolver)
    assert found.status == Status.PASS and "classic form" in found.summary
    assert "selector1._domainkey.good.lab.test CNAME selector1-good-lab-test._domainkey.good.onmicrosoft.com" in (
        found.evidence
    )


def test_the_2025_form_passes_too(resolver):
    found = _check("newmx.lab.test", resolver)
    assert found.status == Status.PASS and "current form" in found.summary


def test_a_domain_without_selectors_warns_that_dmarc_cannot_align_on_dkim(resolver):
    found = _check("no-dkim.lab.test", resolver)
    assert (found.status, found.code) == (Status.WARN, "dkim.missing")
    assert "onmicrosoft.com" in found.explanation and "DMARC" in found.explanation
    assert "Email authentication settings → DKIM → no-dkim.lab.test" in found.remedy


def test_one_selector_alone_breaks_at_the_next_key_rotation(lab_dns, resolver):
    lab_dns.records.add("half.lab.test", "TXT", "v=spf1 -all")
    lab_dns.records.add(
        "selector1._domainkey.half.lab.test", "CNAME", "selector1-half-lab-test._domainkey.half.onmicrosoft.com"
    )
    found = _check("half.lab.test", resolver)
    assert (found.status, found.code) == (Status.WARN, "dkim.selector_missing")
    assert "selector2" in found.summary


def test_selectors_of_another_service_are_named_as_such(lab_dns, resolver):
    lab_dns.records.add("selector1._domainkey.other.lab.test", "CNAME", "s1.domainkey.u123.wl.sendgrid.net")
    found = _check("other.lab.test", resolver)
    assert found.code == "dkim.other_signer"


def test_a_dns_timeout_is_an_error_not_a_missing_record(resolver):
    found = _check(LAB_TIMEOUT_NAME, resolver)
    assert (found.status, found.code) == (Status.ERROR, "dkim.lookup_failed")


def test_both_documented_name_forms_are_recognised_and_lookalikes_are_not():
    assert microsoft_form("selector1-contoso-com._domainkey.contoso.onmicrosoft.com", "selector1", CLOUDS["global"])
    assert microsoft_form("selector2-contoso-com._domainkey.contoso.r-v1.dkim.mail.microsoft", "selector2", LAB)
    assert microsoft_form("selector1-x._domainkey.x.onmicrosoft.us", "selector1", CLOUDS["gcc-high"]) == "classic"
    assert (
        microsoft_form("selector1-contoso-com._domainkey.contoso.onmicrosoft.com.evil.example", "selector1", LAB)
        is None
    )
    assert microsoft_form("selector2-contoso-com._domainkey.contoso.onmicrosoft.com", "selector1", LAB) is None


def test_the_check_is_registered_and_needs_only_the_domain_and_the_cloud(resolver):
    assert ALL_CHECKS["dkim.record"] is CHECKS["dkim.record"]
    assert _check("", resolver).status == Status.SKIPPED
