"""The lab DNS server answers like an authoritative server, over UDP and TCP."""

import time

import dns.message
import dns.query
import dns.rcode
import dns.resolver
import pytest

from lab.dns import (
    LAB_LISTED_IP,
    LAB_SMTP_HOST,
    LAB_TIMEOUT_NAME,
    LabDns,
    add_listing,
    lab_mx_endpoint,
    reverse_ip,
)


def _ask(server: LabDns, name: str, rtype: str, *, tcp: bool = False) -> dns.message.Message:
    query = dns.message.make_query(name, rtype)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, server.host, port=server.port, timeout=1)


def test_it_answers_the_smtp_host_over_udp_and_tcp(lab_dns):
    for tcp in (False, True):
        reply = _ask(lab_dns, LAB_SMTP_HOST, "A", tcp=tcp)
        assert [rr.to_text() for rr in reply.answer[0]] == ["127.0.0.1"]


def test_an_existing_name_without_the_asked_type_is_an_empty_noerror_answer_with_soa(lab_dns):
    reply = _ask(lab_dns, LAB_SMTP_HOST, "AAAA")
    assert reply.rcode() == dns.rcode.NOERROR
    assert reply.answer == []
    assert reply.authority[0].name.to_text() == "lab.test."


def test_an_unknown_name_is_nxdomain_with_the_zone_soa(lab_dns):
    reply = _ask(lab_dns, "nothing-here.lab.test", "A")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert reply.authority[0].rdtype == dns.rdatatype.SOA


def test_a_parent_of_existing_names_exists_without_records(lab_dns):
    reply = _ask(lab_dns, "mail.protection.lab.test", "A")
    assert reply.rcode() == dns.rcode.NOERROR


def test_cnames_are_followed(lab_dns, resolver):
    lab_dns.records.add("alias.lab.test", "CNAME", LAB_SMTP_HOST)
    answer = resolver.resolve("alias.lab.test", "A")
    assert answer.canonical_name.to_text() == f"{LAB_SMTP_HOST}."
    assert [r.address for r in answer] == ["127.0.0.1"]


def test_the_standard_zone_has_mx_endpoints_and_a_listed_ip(lab_dns, resolver):
    mx = resolver.resolve("good.lab.test", "MX")
    assert [r.exchange.to_text(True) for r in mx] == [lab_mx_endpoint("good.lab.test")]
    listed = resolver.resolve(f"{reverse_ip(LAB_LISTED_IP)}.zen.dnsbl.lab.test", "A")
    assert [r.address for r in listed] == ["127.0.0.2"]


def test_a_wildcard_answers_every_name_below_it(lab_dns, resolver):
    answer = resolver.resolve("4.3.2.1.refused.dnsbl.lab.test", "A")
    assert [r.address for r in answer] == ["127.255.255.254"]


def test_long_txt_records_are_split_into_255_byte_strings(lab_dns, resolver):
    lab_dns.records.add("long.lab.test", "TXT", "v=spf1 " + "ip4:192.0.2.1 " * 30 + "-all")
    (rdata,) = resolver.resolve("long.lab.test", "TXT")
    assert max(len(s) for s in rdata.strings) == 255
    assert b"".join(rdata.strings).endswith(b"-all")


def test_records_can_be_replaced_and_removed(lab_dns, resolver):
    lab_dns.records.replace(LAB_SMTP_HOST, "A", "127.0.0.2")
    assert [r.address for r in resolver.resolve(LAB_SMTP_HOST, "A")] == ["127.0.0.2"]
    lab_dns.records.remove(LAB_SMTP_HOST)
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver.resolve(LAB_SMTP_HOST, "A")


def test_a_listing_can_be_added_for_any_ip(lab_dns, resolver):
    add_listing(lab_dns.records, "192.0.2.99", "bl.dnsbl.lab.test")
    assert resolver.resolve("99.2.0.192.bl.dnsbl.lab.test", "A")


def test_a_silenced_name_is_never_answered(lab_dns, resolver):
    started = time.monotonic()
    with pytest.raises(dns.exception.Timeout):
        resolver.resolve(f"a.{LAB_TIMEOUT_NAME}", "A")
    assert time.monotonic() - started < 2


def test_unknown_names_are_forwarded_only_when_told(lab_dns):
    assert _ask(lab_dns, "elsewhere.example", "A").rcode() == dns.rcode.NXDOMAIN
    with LabDns(forward_to=[(lab_dns.host, lab_dns.port)]) as front:
        front.records.add("front.lab.test", "A", "127.0.0.9")
        lab_dns.records.add("elsewhere.example", "A", "192.0.2.1")
        for tcp in (False, True):
            assert [rr.to_text() for rr in _ask(front, "elsewhere.example", "A", tcp=tcp).answer[0]] == ["192.0.2.1"]
        assert [rr.to_text() for rr in _ask(front, "front.lab.test", "A").answer[0]] == ["127.0.0.9"]


def test_servers_on_free_ports_never_share_one(lab_dns):
    with LabDns() as other:
        assert other.port != lab_dns.port
        assert _ask(other, LAB_SMTP_HOST, "A").rcode() == dns.rcode.NXDOMAIN  # its own, empty zone
