"""tcp.connect: connected, refused, filtered or unreachable — each named, each with the time it took."""

import time

from connectors.config import MailConfig
from diagnostics.checks.tcp import refusal
from diagnostics.context import Target
from diagnostics.findings import Finding, Status
from lab import Lab
from lab.smtp import UNREACHABLE_ADDRESS, UNREACHABLE_HOST
from tests.support.lab_checks import TIMEOUT_CASE, lab_config, make_context, run_chain


def _connect(lab: Lab, env, config: MailConfig):
    return run_chain(make_context(Target(config), env), ("tcp.connect",))["tcp.connect"]


def test_it_connects_through_the_lab_dns_and_says_how_long_it_took(lab, lab_env):
    found = _connect(lab, lab_env, lab_config(lab, "submission"))
    assert found.status == Status.PASS
    assert found.facts["address"] == "127.0.0.1"
    assert "ms" in found.summary and found.facts["connect_ms"] < 1000


def test_it_uses_the_addresses_dns_host_found(lab, lab_env):
    ctx = make_context(Target(lab_config(lab, "submission", smtp_host="not-in-dns.lab.test")), lab_env)
    ctx.record(Finding("dns.host", Status.PASS, "resolved", facts={"addresses": ["127.0.0.1"]}))
    assert run_chain(ctx, ("tcp.connect",))["tcp.connect"].status == Status.PASS


def test_a_closed_port_is_named_refused(lab, lab_env):
    found = _connect(lab, lab_env, lab_config(lab, "closed"))
    assert (found.status, found.code) == (Status.FAIL, "tcp.refused")
    assert "refused" in found.summary and "ms" in found.summary
    assert "network team" in found.remedy


def test_a_filtered_port_times_out_and_is_named_filtered(lab):
    env = lab.environment(timeout=TIMEOUT_CASE)
    started = time.monotonic()
    found = _connect(lab, env, lab_config(lab, "filtered"))
    waited = time.monotonic() - started
    assert (found.status, found.code) == (Status.FAIL, "tcp.timeout")
    assert "filtered" in found.summary
    assert TIMEOUT_CASE * 0.9 <= waited < TIMEOUT_CASE + 2.5  # headroom for a loaded CI machine


def test_an_unreachable_network_is_named_unreachable_at_once(lab):
    env = lab.environment(timeout=10.0)  # "at once": well before a timeout would end it
    started = time.monotonic()
    found = _connect(lab, env, lab_config(lab, "submission", smtp_host=UNREACHABLE_HOST, smtp_port=25))
    assert (found.status, found.code) == (Status.FAIL, "tcp.unreachable")
    assert UNREACHABLE_ADDRESS in found.evidence
    assert time.monotonic() - started < 2.0


def test_a_host_that_does_not_resolve_is_named_when_dns_host_did_not_run(lab, lab_env):
    found = _connect(lab, lab_env, lab_config(lab, "submission", smtp_host="nowhere.lab.test"))
    assert (found.status, found.code) == (Status.FAIL, "tcp.no_address")


def test_loopback_is_refused_unless_the_lab_allows_it(lab):
    env = lab.environment(allow_loopback=False)
    found = _connect(lab, env, lab_config(lab, "submission", smtp_host="127.0.0.1"))
    assert (found.status, found.code) == (Status.FAIL, "tcp.address_refused")
    assert "not allowed" in found.summary


def test_a_port_outside_the_allowed_list_is_refused_before_any_packet(lab):
    env = lab.environment(allow_loopback=False)
    found = _connect(lab, env, lab_config(lab, "submission", smtp_host="52.96.1.1", smtp_port=8025))
    assert (found.status, found.code) == (Status.ERROR, "tcp.port_not_allowed")
    assert "PORTAL_ALLOWED_PORTS" in found.explanation


def test_private_addresses_are_for_internal_relays_only():
    ports = frozenset({25, 587})
    assert (
        refusal("10.1.2.3", port=25, allow_loopback=False, allowed_ports=ports, private_ok=False)
        == "tcp.private_address"
    )
    assert refusal("10.1.2.3", port=25, allow_loopback=False, allowed_ports=ports, private_ok=True) is None
    assert (
        refusal("169.254.169.254", port=25, allow_loopback=True, allowed_ports=ports, private_ok=True)
        == "tcp.address_refused"
    )
    assert refusal("127.0.0.1", port=40000, allow_loopback=True, allowed_ports=ports, private_ok=False) is None


def test_ipv4_mapped_loopback_and_link_local_addresses_are_refused_even_for_an_internal_relay():
    ports = frozenset({25, 587})
    for address in ("::ffff:127.0.0.1", "::ffff:169.254.169.254"):
        assert (
            refusal(address, port=25, allow_loopback=False, allowed_ports=ports, private_ok=True)
            == "tcp.address_refused"
        ), address
    assert (
        refusal("::ffff:169.254.169.254", port=25, allow_loopback=True, allowed_ports=ports, private_ok=True)
        == "tcp.address_refused"
    )
    assert (
        refusal("::ffff:10.1.2.3", port=25, allow_loopback=False, allowed_ports=ports, private_ok=False)
        == "tcp.private_address"
    )


def test_a_relay_behind_an_ipv4_mapped_loopback_name_is_not_connected_to(lab, lab_dns):
    # Before: ::ffff:127.0.0.1 counted as merely "private", allowed for relay_server, and reached the lab.
    lab_dns.records.add("relay-mapped.lab.test", "AAAA", "::ffff:7f00:1")  # ::ffff:127.0.0.1
    env = lab.environment(allow_loopback=False, allowed_ports=frozenset({lab.port("submission")}))
    config = lab_config(lab, "submission", option="relay_server", smtp_host="relay-mapped.lab.test")
    found = _connect(lab, env, config)
    assert (found.status, found.code) == (Status.FAIL, "tcp.address_refused")
    assert "::ffff:127.0.0.1" in found.summary
