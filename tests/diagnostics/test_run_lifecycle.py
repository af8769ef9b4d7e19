"""A run always ends: claimed once, kept alive by heartbeats, taken over or ended when its executor is gone."""

import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from diagnostics import runner
from diagnostics.context import Target
from diagnostics.models import CheckResult, DiagnosticRun
from diagnostics.runner import MAX_ATTEMPTS, Executor, active_run, stale_after, sweep_runs
from portal.models import MailSetup, SapSystem
from portal.runs import create_run, execute_run, target_for
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


def _dead_pid() -> int:
    """The id of a process of this host that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _claimed(
    run: DiagnosticRun, *, kind: str = "worker", pid: int | None = None, silent_for: float = 0, **more
) -> None:
    """Make ``run`` look claimed by a process (this one unless ``pid``) whose last heartbeat is ``silent_for`` old."""
    beat = timezone.now() - timedelta(seconds=silent_for)
    claim = str(replace(Executor.here(kind), pid=pid or os.getpid()))
    DiagnosticRun.objects.filter(pk=run.pk).update(
        state="running", claimed_by=claim, started_at=beat, heartbeat_at=beat, attempts=1, **more
    )
    run.refresh_from_db()


def _stale() -> float:
    return stale_after().total_seconds() + 1


def test_a_second_request_joins_the_run_that_is_still_queued(system):
    first = create_run(system, trigger="web")
    assert create_run(system, trigger="web") == first
    assert create_run(system, trigger="web", send_to="it@contoso.com") != first  # a test send is its own run
    assert DiagnosticRun.objects.count() == 2


def test_a_second_request_joins_a_run_whose_executor_is_alive(system):
    first = create_run(system, trigger="web")
    _claimed(first, worker="busy")  # this very process: alive, and its heartbeat is fresh
    assert active_run(system.pk) == first
    assert create_run(system, trigger="web") == first


@pytest.mark.parametrize("gone", ["silent", "dead_process"])
def test_a_click_never_joins_a_run_whose_worker_is_gone_it_queues_it_again_first(system, gone):
    first = create_run(system, trigger="web")
    if gone == "silent":  # another host's worker that stopped sending heartbeats
        _claimed(first, silent_for=_stale())
    else:  # a process of this host that no longer exists, however fresh its last heartbeat
        _claimed(first, pid=_dead_pid())
    assert active_run(system.pk) is None
    requeued = []
    joined = create_run(system, trigger="web", requeue=requeued.append)
    assert joined == first and requeued == [first]
    assert (joined.state, joined.claimed_by, joined.started_at) == ("queued", "", None)


def test_a_click_ends_a_run_whose_diagnose_command_was_killed_and_starts_a_new_one(system):
    first = create_run(system, trigger="cli")
    _claimed(first, kind="command", pid=_dead_pid())
    second = create_run(system, trigger="web")
    first.refresh_from_db()
    assert second != first and second.state == "queued"
    assert (first.state, first.verdict) == ("aborted", "error")
    assert "diagnose command" in first.note and "interrupted" in first.note and "worker" not in first.note


def test_a_finished_run_is_not_joined(system):
    first = create_run(system, trigger="web")
    DiagnosticRun.objects.filter(pk=first.pk).update(state="done", verdict="passed")
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


def test_a_run_whose_worker_stopped_sending_heartbeats_is_taken_over_and_finished(system):
    run = create_run(system, trigger="web")
    _claimed(run, worker="dead-worker", silent_for=_stale())
    finished = execute_run(run.pk)
    assert finished is not None and finished.state == "done"
    assert finished.worker != "dead-worker" and finished.attempts == 2
    assert finished.results.count() == len(finished.planned_checks)


def test_a_run_whose_worker_process_died_is_taken_over_at_once(system):
    run = create_run(system, trigger="web")
    _claimed(run, worker="killed", pid=_dead_pid())  # heartbeat a moment ago: no waiting for it to go stale
    finished = execute_run(run.pk)
    assert finished is not None and (finished.state, finished.attempts) == ("done", 2)


def test_a_process_this_host_cannot_look_up_is_judged_by_its_heartbeat_alone(system):
    run = create_run(system, trigger="web")
    _claimed(run, pid=_dead_pid())
    dead_here = Executor.parse(run.claimed_by)
    assert dead_here.is_gone()
    assert not replace(dead_here, host="another-host").is_gone()
    assert not replace(dead_here, pid_space="4026531999").is_gone()  # a container with the same host name
    assert Executor.parse("worker 12@h") is None and Executor.parse("") is None


def test_a_live_claim_is_not_taken_over(system):
    run = create_run(system, trigger="web")
    _claimed(run, worker="busy")
    assert execute_run(run.pk) is None
    run.refresh_from_db()
    assert (run.state, run.worker) == ("running", "busy")


def test_a_delivery_of_a_run_that_killed_its_worker_too_often_ends_it_naming_the_worker(system):
    run = create_run(system, trigger="web")
    _claimed(run, worker="sap-worker-07", pid=_dead_pid())
    DiagnosticRun.objects.filter(pk=run.pk).update(attempts=MAX_ATTEMPTS)
    assert execute_run(run.pk) is None
    run.refresh_from_db()
    assert (run.state, run.verdict) == ("aborted", "error")
    assert "The worker sap-worker-07 (process" in run.note and f"started {MAX_ATTEMPTS} times" in run.note


def test_the_sweep_queues_orphaned_runs_again_and_ends_the_ones_it_must(system, settings):
    settings.PORTAL_QUEUE_TIMEOUT = 600
    waiting = create_run(system, trigger="web")
    DiagnosticRun.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=11))

    def another(sid: str) -> SapSystem:
        other = SapSystem.objects.create(sid=sid, client="100")
        MailSetup.objects.create(system=other, option="direct_send", sender="sap@contoso.com")
        return other

    orphan = create_run(another("QAS"), trigger="web")
    _claimed(orphan, worker="w1", silent_for=_stale())
    interrupted = create_run(another("DEV"), trigger="cli")
    _claimed(interrupted, kind="command", silent_for=_stale())
    worn_out = create_run(another("SBX"), trigger="web")
    _claimed(worn_out, worker="w2", silent_for=_stale())
    DiagnosticRun.objects.filter(pk=worn_out.pk).update(attempts=MAX_ATTEMPTS)
    alive = create_run(another("HRP"), trigger="web")
    _claimed(alive, worker="w3")
    fresh = create_run(another("HRQ"), trigger="web")

    requeued = []
    assert sweep_runs(requeue=requeued.append) == 4
    for run in (waiting, orphan, interrupted, worn_out, alive, fresh):
        run.refresh_from_db()
    assert waiting.state == "aborted" and "No worker of zone dmz picked the run up within 10 minutes" in waiting.note
    assert orphan.state == "queued" and requeued == [orphan]
    assert interrupted.state == "aborted" and "diagnose command" in interrupted.note
    assert "worker" not in interrupted.note
    assert worn_out.state == "aborted" and "The worker w2" in worn_out.note
    assert (alive.state, fresh.state) == ("running", "queued")


def test_a_run_queued_again_gets_the_whole_queue_timeout_from_its_last_sign_of_life(system, settings):
    settings.PORTAL_QUEUE_TIMEOUT = 600
    run = create_run(system, trigger="web")
    DiagnosticRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    _claimed(run, pid=_dead_pid())
    assert sweep_runs() == 1  # queued again...
    assert sweep_runs() == 0  # ...and not ended for having been created long ago
    run.refresh_from_db()
    assert run.state == "queued"


def test_heartbeats_are_asked_of_every_zone_queue_only_when_runs_are_routed_by_zone(system, settings):
    settings.PORTAL_ROUTE_BY_ZONE = True
    assert zone_queues() == [("", "default"), ("dmz", "zone.dmz")]
    settings.PORTAL_ROUTE_BY_ZONE = False
    assert zone_queues() == [("", "default")]


# -- heartbeats need a second database connection: transactional tests ----------------------------
def _slow_prepare(hold: threading.Event, started: threading.Event):
    """A prepare step that holds the run until ``hold`` is set, as a long check would."""

    def prepare(run: DiagnosticRun) -> Target:
        started.set()
        assert hold.wait(30)
        return target_for(MailSetup.objects.get(system_id=run.system_id), send_to=run.send_to)

    return prepare


def _execute_in_thread(run: DiagnosticRun, prepare) -> tuple[threading.Thread, list]:
    ended: list = []

    def execute() -> None:
        try:
            ended.append(runner.execute_run(run.pk, prepare))
        finally:
            connection.close()

    thread = threading.Thread(target=execute)
    thread.start()
    return thread, ended


@pytest.mark.django_db(transaction=True)
def test_a_running_run_refreshes_its_heartbeat_while_a_check_takes_long(system, settings):
    settings.PORTAL_RUN_HEARTBEAT = 1
    run = create_run(system, trigger="web")
    hold, started = threading.Event(), threading.Event()
    thread, ended = _execute_in_thread(run, _slow_prepare(hold, started))
    assert started.wait(10)
    run.refresh_from_db()
    first = run.heartbeat_at
    seen = set()
    deadline = time.monotonic() + 10
    while len(seen) < 3 and time.monotonic() < deadline:
        seen.add(DiagnosticRun.objects.get(pk=run.pk).heartbeat_at)
        time.sleep(0.2)
    hold.set()
    thread.join(30)
    assert len(seen) >= 3 and min(seen) >= first, "the heartbeat should move while the run is held"
    assert ended[0].state == "done" and not runner.is_orphaned(ended[0])


@pytest.mark.django_db(transaction=True)
def test_a_process_that_lost_its_claim_neither_saves_results_nor_ends_the_run(system, settings):
    settings.PORTAL_RUN_HEARTBEAT = 1
    run = create_run(system, trigger="web")
    hold, started = threading.Event(), threading.Event()
    thread, ended = _execute_in_thread(run, _slow_prepare(hold, started))
    assert started.wait(10)
    # Another process took the run over (as after a database stall longer than three heartbeats).
    DiagnosticRun.objects.filter(pk=run.pk).update(claimed_by="worker 1@elsewhere 4026531836 winner")
    time.sleep(2.5)  # the loser's heartbeat notices within a period
    hold.set()
    thread.join(30)
    run.refresh_from_db()
    assert (run.state, run.claimed_by) == ("running", "worker 1@elsewhere 4026531836 winner")
    assert not CheckResult.objects.filter(run=run).exists()
    assert ended[0].state == "running"


def test_a_page_polling_a_run_whose_worker_is_gone_queues_it_again(
    client, helpdesk, system, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("portal.tasks.run_diagnosis_task.apply_async", lambda **kw: sent.append(kw))
    run = create_run(system, trigger="web")
    _claimed(run, pid=_dead_pid())
    client.force_login(helpdesk)
    with django_capture_on_commit_callbacks(execute=True):
        fragment = client.get(f"/systems/PRD/100/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    run.refresh_from_db()
    assert run.state == "queued" and sent == [{"args": [run.pk], "queue": "default"}]
    assert "Waiting since" in fragment and 'hx-trigger="every 1s"' in fragment
