"""The runbook's auto-ticks after a real diagnosis against the lab (issue 13): the runner saves the results,
portal.runs hands the finished run to the runbook once."""

import pytest

from portal import runbooks
from portal.models import RunbookTick, SapSystem
from portal.runs import diagnose_now

pytestmark = pytest.mark.django_db


def _ticks(system: SapSystem) -> dict[str, RunbookTick]:
    return {tick.step: tick for tick in RunbookTick.objects.filter(runbook=runbooks.current(system))}


def test_a_healthy_oauth_system_run_ticks_the_steps_its_checks_verify(demo):
    prd = SapSystem.objects.get(sid="PRD", client="100")
    run = diagnose_now(prd)
    assert run.verdict == "passed"
    ticks = _ticks(prd)
    for step in ("network.outbound", "entra.app_registration", "exchange.mailbox_permission", "sap.oauth_client"):
        assert ticks[step].done and ticks[step].run_id == run.pk, step
    assert "sap.sbwp_test" not in ticks  # send.test runs only when a test message is asked for
    book = runbooks.current(prd)
    assert book.done_count == sum(tick.done for tick in ticks.values()) and book.done_count < book.step_count


def test_a_failing_sign_in_unticks_the_step_someone_had_ticked_and_says_why(demo):
    dev = SapSystem.objects.get(sid="DEV", client="300")  # Basic auth against a mailbox with SMTP AUTH off
    runbooks.tick(dev, "current.smtp_auth", True, user=None)
    run = diagnose_now(dev)
    assert run.verdict == "failed"
    ticks = _ticks(dev)
    assert not ticks["current.smtp_auth"].done
    assert "5.7.139" in ticks["current.smtp_auth"].note and f"run {run.pk}" in ticks["current.smtp_auth"].note
    assert ticks["sap.tls_parameters"].done  # STARTTLS worked: that step is verified
