"""Adding an option touches connectors/ only.

A throw-away option, put into the registry for one test (monkeypatch takes it out again), is
saved as a system's setup and diagnosed end to end against the lab: the runner plans it, the
engine runs it, the checks do what its plan tells them. Nothing outside connectors/ knows it.
"""

import pytest

from connectors.config import MailConfig
from connectors.guide import Guide
from connectors.option import Option, OptionField
from connectors.plan import Expectations, PlannedCheck, expecting
from connectors.registry import OPTIONS, option_choices
from connectors.smtp_chain import connection_checks, envelope_and_send, keys
from diagnostics.models import TestSend as SentTestMail
from portal.models import MailSetup, SapSystem
from portal.runs import diagnose_now

pytestmark = pytest.mark.django_db
CODE = "onprem_relay"  # an on-premises Exchange server SAP relays through, without AUTH


def _plan(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    expect = Expectations(
        host=config.smtp_host,
        port=config.smtp_port or 25,
        tls=config.tls or "starttls",
        microsoft_host=False,
        documented_host=config.smtp_host,
        private_host_ok=True,
    )
    return expecting(expect, (*connection_checks(), *envelope_and_send(after="tls.starttls", send_to=send_to)))


def _steps(config: MailConfig, **_: object) -> Guide:
    return Guide(
        option=CODE, option_label="On-premises relay", system=config.system_label, title="", summary="", steps=()
    )


THROWAWAY = Option(
    code=CODE,
    label="On-premises Exchange relay (test only)",
    description="SAP hands mail to an on-premises Exchange server over STARTTLS, without authentication.",
    recipients="as the on-premises server allows",
    fields=(OptionField("smtp_host", True, "The on-premises server."), OptionField("sender", True, "MAIL FROM.")),
    validate=lambda config: [],
    plan=_plan,
    steps=_steps,
)


@pytest.fixture
def sixth_option(monkeypatch: pytest.MonkeyPatch) -> Option:
    monkeypatch.setitem(OPTIONS, CODE, THROWAWAY)  # the registry as it was once the test ends
    return THROWAWAY


def test_a_throw_away_option_is_diagnosed_end_to_end_with_nothing_but_its_connector(sixth_option, lab_settings):
    lab = lab_settings
    system = SapSystem.objects.create(sid="ONP", client="100")
    setup = MailSetup.objects.create(
        system=system,
        option=CODE,
        smtp_host="exchange-onprem.lab.test",
        smtp_port=lab.port("basic_only"),
        sender="sap-onp@good.lab.test",
    )
    assert setup.get_option_display() == THROWAWAY.label  # the model's choices come from the registry
    assert (CODE, THROWAWAY.label) in option_choices()

    run = diagnose_now(system, send_to="basis@good.lab.test")

    expected = keys(_plan(setup.to_config(), send_to="basis@good.lab.test"))
    results = {result.key: result for result in run.results.all()}
    assert (run.state, run.verdict, run.option) == ("done", "passed", CODE), [
        (r.key, r.status, r.summary) for r in results.values()
    ]
    assert tuple(run.planned_checks) == expected and set(results) == set(expected)
    assert all(result.status == "pass" for result in results.values())
    assert "exchange-onprem.lab.test" in results["dns.host"].summary
    sent = SentTestMail.objects.get(run=run)
    assert sent.accepted and lab.smtp.received(sent.message_id) is not None  # a real message reached the lab


def test_the_registry_knows_the_throw_away_option_only_while_its_test_runs(sixth_option, monkeypatch):
    assert CODE in OPTIONS
    monkeypatch.undo()
    assert CODE not in OPTIONS and CODE not in dict(option_choices())
