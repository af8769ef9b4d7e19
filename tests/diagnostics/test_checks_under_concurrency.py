"""The libraries the checks build on, under the engine's concurrency: several runs at once, each
with its own name server, never see each other's answers (pyspf through RunQuery, checkdmarc
without its process-wide cache, MSAL's HTTP session through the run's resolver)."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from connectors.config import MailConfig
from connectors.plan import PlannedCheck
from diagnostics.context import RunContext, Target
from diagnostics.engine import run_plan
from diagnostics.registry import CHECKS
from lab.dns import LAB_LOGIN_HOST, MICROSOFT_SPF_INCLUDE, LabDns, load_standard_zone
from tests.support.lab_checks import lab_env_for

DOMAIN = "twins.lab.test"  # both name servers answer for it, differently
IP_A, IP_B = "192.0.2.10", "198.51.100.20"
RUNS = 12  # runs at once, each running its checks six at a time as the engine does
DOMAIN_CHECKS = (PlannedCheck("spf.record"), PlannedCheck("spf.egress_ip"), PlannedCheck("dmarc.record"))


@pytest.fixture
def twin_dns(lab_dns):
    """The lab's name server and a second one that disagree about DOMAIN and the login host."""
    lab_dns.records.add(DOMAIN, "TXT", f"v=spf1 ip4:{IP_A} include:{MICROSOFT_SPF_INCLUDE} -all")
    lab_dns.records.add(f"_dmarc.{DOMAIN}", "TXT", "v=DMARC1; p=reject")
    with LabDns() as other:
        load_standard_zone(other.records)
        other.records.add(DOMAIN, "TXT", f"v=spf1 ip4:{IP_B} -all")
        other.records.add(f"_dmarc.{DOMAIN}", "TXT", "v=DMARC1; p=none")
        other.records.remove(LAB_LOGIN_HOST)
        yield {"A": lab_dns, "B": other}


def _run(twin: str, server: LabDns, lab, plan, option: str, **config) -> dict[str, object]:
    """One run of ``plan`` whose every name (the login host included) is resolved by ``server``."""
    target = Target(MailConfig("TWN", "100", option, cloud="lab", **config), secret="s")
    env = lab_env_for(lab, entra=True, nameservers=server.nameservers, login_base=lab.entra.lab_url)
    findings = run_plan(plan, RunContext(target, env), CHECKS, budget=20, max_workers=6)
    return {"twin": twin, **{f.key: (f.status, f.code) for f in findings}}


def _at_once(jobs):
    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        return list(pool.map(lambda job: job(), jobs))


def test_spf_and_dmarc_of_concurrent_runs_come_from_each_runs_own_name_server(lab, twin_dns):
    ips = {"A": (IP_A,), "B": (IP_B,)}
    jobs = [
        (
            lambda twin=twin: _run(
                twin, twin_dns[twin], lab, DOMAIN_CHECKS, "direct_send", sender=f"sap@{DOMAIN}", egress_ips=ips[twin]
            )
        )
        for twin in ("A", "B") * (RUNS // 2)
    ]
    for result in _at_once(jobs):
        if result["twin"] == "A":  # ip4:IP_A plus Microsoft's include; p=reject
            assert result["spf.record"] == ("pass", None), result
            assert result["spf.egress_ip"] == ("pass", None), result
            assert result["dmarc.record"] == ("pass", None), result
        else:  # ip4:IP_B only; p=none
            assert result["spf.record"] == ("fail", "spf.no_include"), result
            assert result["spf.egress_ip"] == ("pass", None), result  # IP_B would fail against A's record
            assert result["dmarc.record"] == ("warn", "dmarc.monitoring_only"), result


def test_concurrent_token_requests_each_resolve_the_login_host_through_their_own_name_server(
    lab, twin_dns, tenant, client_id
):
    lab.entra.register_app(tenant, client_id, secret="s")
    plan = (PlannedCheck("oauth.token"),)
    jobs = [
        (lambda twin=twin: _run(twin, twin_dns[twin], lab, plan, "oauth2", tenant=tenant, client_id=client_id))
        for twin in ("A", "B") * (RUNS // 2)
    ]
    for result in _at_once(jobs):
        expected = ("pass", None) if result["twin"] == "A" else ("fail", "oauth.login_host_unresolved")
        assert result["oauth.token"] == expected, result


def test_checkdmarc_serves_no_answer_from_its_process_wide_cache(lab, twin_dns):
    from checkdmarc import utils

    _run("A", twin_dns["A"], lab, DOMAIN_CHECKS, "direct_send", sender=f"sap@{DOMAIN}", egress_ips=(IP_A,))
    assert utils.DNS_CACHE.max_age == 0 and utils.DNS_CACHE.max_len == 1
    assert utils.DNS_CACHE.get(f"{MICROSOFT_SPF_INCLUDE}_TXT_False") is None  # parsed above, never kept for later
