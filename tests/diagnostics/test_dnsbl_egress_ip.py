"""dnsbl.egress_ip: listed is a failure with the delisting address; a refused query is an error, never "listed"."""

import time

from diagnostics.checks.dnsbl import CHECKS, check_dnsbl, delisting, query_name
from diagnostics.findings import Finding, Status
from lab.dns import (
    LAB_DNSBL_ZONES,
    LAB_EGRESS_IP,
    LAB_LISTED_IP,
    LAB_REFUSING_DNSBL_ZONE,
    LAB_TIMEOUT_NAME,
)


def _check(ips, resolver, zones=LAB_DNSBL_ZONES, allow_loopback=True):
    return check_dnsbl(tuple(ips), tuple(zones), resolver=resolver, allow_loopback=allow_loopback, timeout=0.4)


def test_an_ip_on_no_list_passes(resolver):
    finding = _check([LAB_EGRESS_IP], resolver)
    assert finding.status == Status.PASS
    assert finding.summary == f"{LAB_EGRESS_IP} is on none of 3 blocklists"


def test_a_listed_ip_fails_with_the_lists_reason_and_where_to_delist(resolver):
    finding = _check([LAB_LISTED_IP], resolver)
    assert (finding.status, finding.code) == (Status.FAIL, "dnsbl.listed")
    assert finding.summary == f"Blocklisted: {LAB_LISTED_IP} on zen.dnsbl.lab.test"
    assert "127.0.0.2 Listed by the lab SBL" in finding.evidence
    assert "request delisting: zen.dnsbl.lab.test: the operator of zen.dnsbl.lab.test" in finding.remedy


def test_a_refused_query_is_an_error_not_a_listing(resolver):
    finding = _check([LAB_EGRESS_IP], resolver, zones=(*LAB_DNSBL_ZONES, LAB_REFUSING_DNSBL_ZONE))
    assert (finding.status, finding.code) == (Status.ERROR, "dnsbl.query_refused")
    assert "127.255.255.254" in finding.evidence
    assert "PORTAL_DNS_NAMESERVERS" in finding.remedy


def test_a_listing_still_wins_over_a_refusing_list(resolver):
    assert _check([LAB_LISTED_IP], resolver, zones=(*LAB_DNSBL_ZONES, LAB_REFUSING_DNSBL_ZONE)).code == "dnsbl.listed"


def test_a_list_that_does_not_answer_is_an_error(resolver):
    finding = _check([LAB_EGRESS_IP], resolver, zones=(LAB_DNSBL_ZONES[0], LAB_TIMEOUT_NAME))
    assert (finding.status, finding.code) == (Status.ERROR, "dnsbl.lookup_failed")
    assert LAB_TIMEOUT_NAME in finding.summary


def test_slow_lists_are_asked_at_the_same_time(resolver):
    zones = tuple(f"{label}.{LAB_TIMEOUT_NAME}" for label in "abcdef")
    started = time.monotonic()
    _check([LAB_EGRESS_IP], resolver, zones=zones)
    # Six timeouts of 0.4 s: about 0.4 s at the same time, 2.4 s one after another; 3x headroom for CI.
    assert time.monotonic() - started < 1.2


def test_a_private_ip_is_not_looked_up_outside_the_lab(resolver):
    finding = _check(["10.0.0.5"], resolver, allow_loopback=False)
    assert (finding.status, finding.code) == (Status.SKIPPED, "dnsbl.no_public_ip")


def test_without_an_ip_it_is_skipped(resolver):
    assert _check([], resolver).status == Status.SKIPPED


def test_ipv6_addresses_are_queried_by_reversed_nibbles():
    assert query_name("2001:db8::1", "zen.spamhaus.org").startswith("1.0.0.0.0.0.0.0")
    assert query_name("2001:db8::1", "zen.spamhaus.org").endswith(".8.b.d.0.1.0.0.2.zen.spamhaus.org")


def test_real_lists_name_their_removal_pages():
    assert delisting("zen.spamhaus.org") == "https://check.spamhaus.org/"
    assert "barracudacentral.org" in delisting("b.barracudacentral.org")


def test_the_adapter_prefers_the_ip_exchange_saw(make_ctx):
    ctx = make_ctx(option="relay_connector", egress_ips=(LAB_EGRESS_IP,))
    assert CHECKS["dnsbl.egress_ip"](ctx).status == Status.PASS
    ctx.record(Finding("egress.ip", Status.PASS, "seen", facts={"seen_ip": LAB_LISTED_IP}))
    assert CHECKS["dnsbl.egress_ip"](ctx).code == "dnsbl.listed"


def test_an_ipv4_mapped_address_is_looked_up_as_the_ipv4_address_it_is(resolver):
    assert query_name(f"::ffff:{LAB_LISTED_IP}", "zen.dnsbl.lab.test") == query_name(
        LAB_LISTED_IP, "zen.dnsbl.lab.test"
    )
    assert _check([f"::ffff:{LAB_LISTED_IP}"], resolver).code == "dnsbl.listed"
