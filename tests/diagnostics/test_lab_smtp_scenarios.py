"""The demo cast: each scenario, diagnosed with its option's real plan against the lab, reaches its verdict
and names its codes. End to end: connectors' plans, the engine, every check, the whole lab."""

import datetime as dt

import pytest

from connectors.registry import plan_for
from diagnostics.context import RunContext
from diagnostics.engine import run_plan
from diagnostics.registry import CHECKS
from lab import FIXED_PORTS
from lab.scenarios import SCENARIOS, scenario

VERDICTS = {"fail": "failed", "error": "error", "warn": "warning"}


def _verdict(findings) -> str:
    statuses = {finding.status for finding in findings}
    return next((VERDICTS[s] for s in ("fail", "error", "warn") if s in statuses), "passed")


@pytest.mark.parametrize("item", SCENARIOS, ids=lambda item: item.key)
def test_each_scenario_reaches_its_verdict_with_its_codes(lab, item):
    """The session's lab carries the cast (its fixed tenants); other tests make tenants of their own."""
    target = item.target(lab.ports)
    env = lab.environment(timeout=2.0)
    findings = run_plan(plan_for(target.config), RunContext(target, env), CHECKS, budget=15)
    by_key = {finding.key: finding for finding in findings}
    assert _verdict(findings) == item.verdict, [(f.key, f.status, f.code, f.summary) for f in findings]
    for key, code in item.codes.items():
        assert by_key[key].code == code, (key, by_key[key].summary)


def test_the_cast_has_green_amber_and_red_systems_with_unique_sids():
    assert {item.verdict for item in SCENARIOS} == {"passed", "warning", "failed"}
    labels = [item.label for item in SCENARIOS]
    assert len(set(labels)) == len(labels)
    assert len({item.key for item in SCENARIOS}) == len(SCENARIOS)


def test_a_scenario_is_one_import_row_with_the_demo_ports():
    row = scenario("prd-oauth2-healthy").values(today=dt.date(2026, 11, 1))
    assert row["sid"] == "PRD" and row["option"] == "oauth2" and row["cloud"] == "lab"
    assert row["smtp_port"] == FIXED_PORTS["submission"] == 2587
    assert row["secret_expires"] == "2027-08-28"
    assert row["client_secret"] and row["client_id"]
    mx_row = scenario("hrp-direct-send-external").values()
    assert mx_row["smtp_port"] == 2525 and "client_secret" not in mx_row
