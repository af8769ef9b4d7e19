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


def _diagnose(lab, item):
    target = item.target(lab.ports)
    return run_plan(plan_for(target.config), RunContext(target, lab.environment(timeout=2.0)), CHECKS, budget=15)


@pytest.mark.parametrize("item", [item for item in SCENARIOS if not item.flaps_to], ids=lambda item: item.key)
def test_each_scenario_reaches_its_verdict_with_its_codes(lab, item):
    """The session's lab carries the cast (its fixed tenants); other tests make tenants of their own."""
    findings = _diagnose(lab, item)
    by_key = {finding.key: finding for finding in findings}
    assert _verdict(findings) == item.verdict, [(f.key, f.status, f.code, f.summary) for f in findings]
    for key, code in item.codes.items():
        assert by_key[key].code == code, (key, by_key[key].summary)


def test_the_flapping_scenario_fails_every_other_run_with_its_code(lab):
    item = scenario("mdg-relay-flapping")
    runs = [_diagnose(lab, item) for _ in range(4)]
    verdicts = [_verdict(findings) for findings in runs]
    assert verdicts in (["passed", "failed"] * 2, ["failed", "passed"] * 2), verdicts
    failing = next(findings for findings in runs if _verdict(findings) == "failed")
    by_key = {finding.key: finding for finding in failing}
    assert {key: by_key[key].code for key in item.codes} == {"smtp.banner": "smtp.closed"}


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
