"""A person who asks for a system whose scheduled run is still queued joins that run (one SMTP connection per
mailbox) and makes it theirs: it then asks the name servers afresh rather than reusing other runs' DNS answers."""

import pytest

from diagnostics.models import DiagnosticRun
from diagnostics.runner import environment
from portal.models import SapSystem
from portal.runs import create_run, create_runs
from tests.support.pages import make_system

pytestmark = pytest.mark.django_db

SCHEDULE, WEB = DiagnosticRun.Trigger.SCHEDULE, DiagnosticRun.Trigger.WEB


def _scheduled(*systems: SapSystem) -> dict[int, DiagnosticRun]:
    opened = create_runs(SapSystem.objects.filter(pk__in=[s.pk for s in systems]).select_related("mail_setup"),
                         trigger=SCHEDULE)  # fmt: skip
    return {pk: run for pk, (run, _) in opened.items()}


def test_run_checks_on_a_queued_scheduled_run_joins_it_and_makes_it_the_persons(basis_admin):
    system = make_system("QAS", "200")
    queued = _scheduled(system)[system.pk]
    joined = create_run(system, trigger=WEB, user=basis_admin)
    assert joined.pk == queued.pk  # no second run, no second connection to the mailbox
    stored = DiagnosticRun.objects.get(pk=queued.pk)
    assert (stored.trigger, stored.requested_by) == (WEB, basis_admin)
    assert environment(scheduled=stored.trigger == SCHEDULE).dns_fresh  # what the runner will give it


def test_check_all_makes_the_queued_scheduled_runs_it_joins_a_persons_but_leaves_a_claimed_one(basis_admin):
    waiting, busy = make_system("QAS", "200"), make_system("DEV", "300")
    runs = _scheduled(waiting, busy)
    DiagnosticRun.objects.filter(pk=runs[busy.pk].pk).update(state=DiagnosticRun.State.RUNNING)  # a worker has it
    opened = create_runs(SapSystem.objects.filter(pk__in=[waiting.pk, busy.pk]).select_related("mail_setup"),
                         trigger=WEB, user=basis_admin)  # fmt: skip
    assert {pk: (run.pk, new) for pk, (run, new) in opened.items()} == {
        waiting.pk: (runs[waiting.pk].pk, False),
        busy.pk: (runs[busy.pk].pk, False),
    }
    assert DiagnosticRun.objects.get(pk=runs[waiting.pk].pk).trigger == WEB
    assert DiagnosticRun.objects.get(pk=runs[busy.pk].pk).trigger == SCHEDULE  # already under way: left as it is


def test_the_schedule_joining_a_persons_run_leaves_it_theirs(basis_admin):
    system = make_system("QAS", "200")
    mine = create_run(system, trigger=WEB, user=basis_admin)
    assert _scheduled(system)[system.pk].pk == mine.pk
    assert DiagnosticRun.objects.get(pk=mine.pk).trigger == WEB
