"""dns.host: the SMTP host resolves through our resolver, to addresses the portal may probe."""

import pytest

from diagnostics.catalogue import explain
from diagnostics.checks.dns import CHECKS, check_dns_host
from diagnostics.findings import Status
from lab.dns import LAB_SMTP_HOST, LAB_TIMEOUT_NAME


def _check(host, resolver, *, microsoft=True, allow_loopback=True):
    return check_dns_host(
        host,
        microsoft_endpoint=microsoft,
        expected="smtp.office365.com",
        resolver=resolver,
        allow_loopback=allow_loopback,
        timeout=0.4,
    )


def test_a_host_that_resolves_hands_its_addresses_to_tcp_connect(resolver):
    finding = _check(LAB_SMTP_HOST, resolver)
    assert finding.status == Status.PASS
    assert finding.facts["addresses"] == ["127.0.0.1"]
    assert "127.0.0.1" in finding.evidence


def test_an_alias_is_shown_with_its_canonical_name(lab_dns, resolver):
    lab_dns.records.add("smtp.alias.lab.test", "CNAME", LAB_SMTP_HOST)
    finding = _check("smtp.alias.lab.test", resolver)
    assert f"alias of {LAB_SMTP_HOST}" in finding.evidence


def test_a_name_that_does_not_exist_is_nxdomain(resolver):
    finding = _check("smtp.office365.lab.tset", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "dns.nxdomain")
    assert "does not exist" in finding.summary
    assert "smtp.office365.com" in finding.remedy


def test_a_name_whose_server_never_answers_is_a_timeout_not_nxdomain(resolver):
    finding = _check(f"smtp.{LAB_TIMEOUT_NAME}", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "dns.timeout")
    assert "no DNS server answered in time" in finding.summary


def test_a_name_without_addresses_is_no_address(lab_dns, resolver):
    lab_dns.records.add("mx-only.lab.test", "MX", "10 elsewhere.lab.test")
    assert _check("mx-only.lab.test", resolver).code == "dns.no_address"


def test_an_ip_address_for_a_microsoft_endpoint_is_a_finding(resolver):
    finding = _check("52.96.1.1", resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "dns.ip_literal")
    assert "smtp.office365.com" in finding.remedy


def test_an_ip_address_for_a_relay_server_is_fine(resolver):
    finding = _check("192.0.2.25", resolver, microsoft=False)
    assert finding.status == Status.PASS
    assert finding.facts["addresses"] == ["192.0.2.25"]


def test_loopback_is_refused_unless_the_lab_allows_it(resolver):
    finding = _check(LAB_SMTP_HOST, resolver, allow_loopback=False)
    assert (finding.status, finding.code) == (Status.FAIL, "dns.loopback_refused")
    assert "addresses" not in finding.facts


def test_a_microsoft_endpoint_on_a_private_address_is_a_finding(lab_dns, resolver):
    lab_dns.records.replace(LAB_SMTP_HOST, "A", "10.1.2.3")
    assert _check(LAB_SMTP_HOST, resolver).code == "dns.private_address"
    assert _check(LAB_SMTP_HOST, resolver, microsoft=False).status == Status.PASS  # an internal relay


def test_the_adapter_resolves_the_options_host_through_portal_nameservers(lab_dns, make_ctx):
    ctx = make_ctx(cloud="lab", option="oauth2")
    finding = CHECKS["dns.host"](ctx)
    assert finding.status == Status.PASS  # smtp.office365.lab.test exists only in the lab's DNS
    assert finding.facts["addresses"] == ["127.0.0.1"]


def test_the_adapter_without_a_host_says_so(lab_dns, make_ctx):
    ctx = make_ctx(option="direct_send")  # no sender, so no MX endpoint
    assert CHECKS["dns.host"](ctx).code == "dns.no_host"


def test_ipv4_mapped_ipv6_answers_are_judged_as_the_ipv4_address_they_reach(lab_dns, resolver):
    lab_dns.records.add("relay-mapped-loopback.lab.test", "AAAA", "::ffff:7f00:1")  # ::ffff:127.0.0.1
    lab_dns.records.add("relay-mapped-metadata.lab.test", "AAAA", "::ffff:a9fe:a9fe")  # ::ffff:169.254.169.254
    loopback = _check("relay-mapped-loopback.lab.test", resolver, microsoft=False, allow_loopback=False)
    assert (loopback.status, loopback.code) == (Status.FAIL, "dns.loopback_refused")
    metadata = _check("relay-mapped-metadata.lab.test", resolver, microsoft=False, allow_loopback=True)
    assert (metadata.status, metadata.code) == (Status.FAIL, "dns.link_local_refused")
    assert "::ffff:169.254.169.254" in metadata.summary


REFUSED_TARGETS = [
    ("A", "169.254.169.254", "dns.link_local_refused"),  # cloud instance metadata
    ("AAAA", "fe80::1", "dns.link_local_refused"),
    ("A", "0.0.0.0", "dns.unspecified_refused"),
    ("AAAA", "::", "dns.unspecified_refused"),
    ("A", "224.0.0.251", "dns.multicast_refused"),
    ("AAAA", "ff02::1", "dns.multicast_refused"),
]


@pytest.mark.parametrize("rtype, address, code", REFUSED_TARGETS)
def test_link_local_unspecified_and_multicast_answers_are_refused_under_their_own_code(
    lab_dns, resolver, rtype, address, code
):
    lab_dns.records.add("relay-odd.lab.test", rtype, address)
    for allow_loopback in (False, True):  # the lab's loopback exception never opens these
        finding = _check("relay-odd.lab.test", resolver, microsoft=False, allow_loopback=allow_loopback)
        assert (finding.status, finding.code) == (Status.FAIL, code)
        assert address in finding.summary
        assert "loopback" not in finding.explanation
        assert finding.remedy


@pytest.mark.parametrize("code", ["dns.link_local_refused", "dns.unspecified_refused", "dns.multicast_refused"])
def test_each_refusal_code_has_a_catalogue_entry_with_meaning_cause_and_fix(code):
    entry = explain(code)
    assert entry.code == code
    assert entry.meaning and entry.cause and entry.remedy
