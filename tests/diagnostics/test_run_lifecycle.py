"""A run always ends: aborted with a reason, claimed again after a dead worker, swept when forgotten."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from diagnostics.runner import abort_stale_runs, active_run, create_run, execute_run, stale_after
from portal.models import MailSetup, SapSystem
from portal.workers import zone_queues

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lab_dns_only(settings, lab) -> None:
    """Names resolve through the lab's DNS (relay.invalid: NXDOMAIN): nothing here may ask a real resolver."""
    settings.PORTAL_DNS_NAMESERVERS = lab.dns.nameservers
    settings.PORTAL_CHECK_TIMEOUT = 1


@pytest.fixture
def system() -> SapSystem:
    system = SapSystem.objects.create(sid="PRD", client="100", zone="dmz")
    # A Direct Send setup to a lab-like host that resolves nowhere: the run ends fast either way.
    MailSetup.objects.create(system=system, option="direct_send", smtp_host="relay.invalid", sender="sap@contoso.com")
    return system


def test_a_second_request_joins_the_run_that_is_still_queued(system):
    first = create_run(system, trigger="web")
    assert create_run(system, trigger="web") == first
    assert create_run(system, trigger="web", send_to="it@contoso.com") != first  # a test send is its own run
    assert DiagnosticRun.objects.count() == 2


def test_a_finished_or_stale_run_is_not_joined(system):
    first = create_run(system, trigger="web")
    DiagnosticRun.objects.filter(pk=first.pk).update(
        state="running", started_at=timezone.now() - stale_after() - timedelta(seconds=1)
    )
    assert active_run(system) is None
    assert create_run(system, trigger="web") != first


def test_a_secret_that_cannot_be_decrypted_aborts_the_run_with_the_reason(system):
    # Ciphertext from a key this portal does not hold, as after removing a key from PORTAL_SECRET_KEYS.
    foreign = "gAAAAABpZ2FyYmFnZS1ub3QtYS12YWxpZC10b2tlbi1hdC1hbGwtZm9yLXRoaXMta2V5cmluZw=="
    connection.cursor().execute("update portal_mailsetup set client_secret = %s", [foreign])
    run = create_run(system, trigger="web")
    finished = execute_run(run.pk)
    assert (finished.state, finished.verdict) == ("aborted", "error")
    assert "cannot be decrypted" in finished.note
    assert foreign not in finished.note


def test_a_run_claimed_by_a_dead_worker_is_claimed_again_and_finished(system):
    run = create_run(system, trigger="web")
    DiagnosticRun.objects.filter(pk=run.pk).update(
        state="running", worker="dead-worker", started_at=timezone.now() - stale_after() - timedelta(seconds=5)
    )
    finished = execute_run(run.pk)
    assert finished is not None and finished.state == "done"
    assert finished.worker != "dead-worker"
    assert finished.results.count() == len(finished.planned_checks)


def test_a_live_claim_is_not_taken_over(system):
    run = create_run(system, trigger="web")
    DiagnosticRun.objects.filter(pk=run.pk).update(state="running", worker="busy", started_at=timezone.now())
    assert execute_run(run.pk) is None


def test_the_sweep_aborts_forgotten_runs_and_says_why(system, settings):
    settings.PORTAL_QUEUE_TIMEOUT = 600
    waiting = create_run(system, trigger="web")
    DiagnosticRun.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    other = SapSystem.objects.create(sid="QAS", client="100")
    MailSetup.objects.create(system=other, option="direct_send", sender="sap@contoso.com")
    orphan = create_run(other, trigger="web")
    DiagnosticRun.objects.filter(pk=orphan.pk).update(
        state="running", worker="w1", started_at=timezone.now() - stale_after() - timedelta(seconds=1)
    )
    fresh_system = SapSystem.objects.create(sid="DEV", client="100")
    MailSetup.objects.create(system=fresh_system, option="direct_send", sender="sap@contoso.com")
    fresh = create_run(fresh_system, trigger="web")
    assert abort_stale_runs() == 2
    waiting.refresh_from_db()
    orphan.refresh_from_db()
    fresh.refresh_from_db()
    assert waiting.state == "aborted" and "No worker of zone dmz picked the run up within 10 minutes" in waiting.note
    assert orphan.state == "aborted" and "w1 stopped answering" in orphan.note
    assert fresh.state == "queued"


def test_heartbeats_are_asked_of_every_zone_queue_only_when_runs_are_routed_by_zone(system, settings):
    settings.PORTAL_ROUTE_BY_ZONE = True
    assert zone_queues() == [("", "default"), ("dmz", "zone.dmz")]
    settings.PORTAL_ROUTE_BY_ZONE = False
    assert zone_queues() == [("", "default")]
