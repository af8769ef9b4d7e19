"""The audit log in words on the Configuration tab: every action has words, and a long runbook step keeps its state."""

from __future__ import annotations

import pytest

from portal.change_words import event_words
from portal.models import AuditEvent
from tests.support.pages import make_system

pytestmark = pytest.mark.django_db

TITLE = "Make sure good.lab.test has a DMARC record, and tighten it to p=quarantine once reports are clean"


def test_a_long_runbook_step_keeps_its_new_state_in_view():
    system = make_system("PRD")
    event = AuditEvent.record("runbook.ticked", source=AuditEvent.Source.RUN, system=system, actor=None,
                              changes={"runbook_step": [f"{TITLE}: not done", f"{TITLE}: done"],
                                       "note": ["", "Ticked by the check DMARC (dmarc.record)"]})  # fmt: skip
    words = event_words(event)
    assert words.headline == "Runbook step ticked"
    assert words.changes[0].endswith("…”: done") and "not done" not in words.changes[0]


@pytest.mark.parametrize(
    "action",
    ["runbook.ticked", "runbook.unticked", "alert.raised", "alert.muted", "alert.sent", "alert.undelivered",
     "alert.delivery_failed"],
)  # fmt: skip
def test_each_audited_action_reads_as_words_not_as_its_code(action):
    system = make_system("PRD")
    event = AuditEvent.record(action, source=AuditEvent.Source.MONITOR, system=system,
                              changes={"alert": [None, "PRD/100 is red"], "to": [None, "a@contoso.example"]})  # fmt: skip
    assert "." not in event_words(event).headline and "_" not in event_words(event).headline
