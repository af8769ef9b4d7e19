"""kill -9 of real Celery worker processes in the middle of runs: every run still ends within a minute.

Prefork workers (the production shape), no beat, with Redis and with the embedded filesystem broker.
Each run targets the lab's "silent" relay, which accepts TCP and never greets, so it waits
HOLD seconds (its check timeout) on the SMTP banner: long enough to be killed in the middle. Two zones,
each with its own queue, run side by side, so every round kills two processes (two runs): ten kills of
pool processes and ten of main processes per broker. Each kill's time until its run ended (finished_at)
and how it ended are printed and written to test-artifacts/kill-loop/.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from celery import Celery
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from diagnostics.runner import Executor
from lab import Lab
from portal.models import SapSystem
from portal.runs import create_run
from tests.support.workers import (
    ROOT,
    children_of,
    filesystem_sender,
    kill_quietly,
    lab_env,
    silent_relay_system,
    start_worker,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]

KILLS = 10  # per victim (pool process, main process) and broker
LIMIT = 60.0  # seconds from the kill until the run has ended
# Seconds a run waits on the silent relay's banner: the window in which it is caught mid-run. Wide
# enough that a test process starved by a loaded 2-core machine still sees it, short enough that the
# redelivered run soon completes.
HOLD = 6
ARTIFACTS = ROOT / "test-artifacts" / "kill-loop"


@dataclass
class Outcome:
    run: int
    seconds: float  # from the kill until the run's finished_at
    state: str
    attempts: int
    how: str


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab.start() as started:
        yield started


@dataclass
class Broker:
    name: str
    env: dict[str, str]
    sender: Celery


def _embedded(tmp_path: Path) -> Broker:
    data = tmp_path / "data"
    return Broker("embedded", {"REDIS_URL": "", "PORTAL_DATA_DIR": str(data)}, filesystem_sender(data))


@pytest.fixture(params=["redis", "embedded"])
def broker(request, tmp_path) -> Broker:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return Broker("redis", {"REDIS_URL": url}, Celery("kill-loop", broker=url, set_as_current=False))
    return _embedded(tmp_path)


@pytest.fixture
def systems(lab) -> list[SapSystem]:
    """Two systems in two zones of their own (fresh queue names: Redis outlives a test)."""
    prefix = f"k{uuid.uuid4().hex[:6]}"
    systems = []
    for number, sid in enumerate(("KLA", "KLB")):
        system = silent_relay_system(lab, sid)
        system.zone = f"{prefix}-{number}"
        system.save(update_fields=["zone"])
        systems.append(system)
    return systems


def _env(lab: Lab, broker: Broker, zone: str = "", **more: str) -> dict[str, str]:
    return {
        **lab_env(lab, PORTAL_CHECK_TIMEOUT=str(HOLD), PORTAL_ROUTE_BY_ZONE="1", PORTAL_ZONE=zone),
        "PORTAL_RUN_HEARTBEAT": "5",  # the default: the minute is proven with production's heartbeat
        "PORTAL_WORKER_NAME": f"worker-{zone or 'all'}",
        **broker.env,
        **more,
    }


def _start_runs(systems: list[SapSystem], broker: Broker) -> list[DiagnosticRun]:
    runs = [create_run(system, trigger="web") for system in systems]
    for run, system in zip(runs, systems, strict=True):
        broker.sender.send_task("portal.tasks.run_diagnosis_task", args=[run.pk], queue=system.queue)
    return runs


def _wait_until_running(runs: list[DiagnosticRun], workers: list[subprocess.Popen], log: Path) -> dict[int, Executor]:
    """The executor of each run, once all are claimed and have a check underway (mid-run)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = list(DiagnosticRun.objects.filter(pk__in=[run.pk for run in runs], state="running"))
        if len(rows) == len(runs) and all(row.results.exists() for row in rows):
            return {row.pk: Executor.parse(row.claimed_by) for row in rows}
        assert all(worker.poll() is None for worker in workers), log.read_text()
        finished = [row.pk for row in DiagnosticRun.objects.filter(pk__in=[run.pk for run in runs], state="done")]
        assert not finished, f"runs {finished} ended before they were seen mid-run (HOLD is too short)"
        time.sleep(0.05)
    pytest.fail(f"the runs were not all running within 60 s:\n{log.read_text()[-5000:]}")


def _wait_until_ended(runs: list[DiagnosticRun], killed_at, log: Path) -> list[Outcome]:
    deadline = time.monotonic() + LIMIT + 30  # wait past the limit, to report how late a run was
    while time.monotonic() < deadline:
        rows = list(DiagnosticRun.objects.filter(pk__in=[run.pk for run in runs]))
        if all(row.is_finished for row in rows):
            return [_outcome(row, killed_at) for row in rows]
        time.sleep(0.1)
    stuck = DiagnosticRun.objects.filter(pk__in=[run.pk for run in runs], state__in=["queued", "running"])
    pytest.fail(f"runs never ended: {[(r.pk, r.state, r.claimed_by) for r in stuck]}\n{log.read_text()[-5000:]}")


def _outcome(run: DiagnosticRun, killed_at) -> Outcome:
    # attempts > 1: taken over, after the broker delivered the message again or a watchdog queued it again
    how = f"completed on attempt {run.attempts}" if run.state == "done" else f"aborted: {run.note}"
    return Outcome(run.pk, round((run.finished_at - killed_at).total_seconds(), 2), run.state, run.attempts, how)


def _report(name: str, outcomes: list[Outcome]) -> None:
    times = [outcome.seconds for outcome in outcomes]
    hows: dict[str, int] = {}
    for outcome in outcomes:
        hows[outcome.how] = hows.get(outcome.how, 0) + 1
    summary = {"runs": len(outcomes), "longest_s": max(times), "median_s": statistics.median(times), "how": hows}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps({"summary": summary, "runs": [asdict(o) for o in outcomes]}))
    print(f"\n{name}: {json.dumps(summary)}")


def _assert_every_run_ended_in_time(outcomes: list[Outcome]) -> None:
    assert len(outcomes) == KILLS
    for outcome in outcomes:
        assert outcome.seconds < LIMIT, outcome
        assert outcome.state == "done" or "The worker worker-" in outcome.how, outcome


def test_killing_pool_processes_ten_times_every_run_ends_within_a_minute(lab, broker, systems, tmp_path):
    log = tmp_path / "worker.log"
    queues = ",".join(system.queue for system in systems)
    worker = start_worker(_env(lab, broker), log, queues, pool="prefork", concurrency=len(systems))
    outcomes: list[Outcome] = []
    try:
        for _round in range(KILLS // len(systems)):
            runs = _start_runs(systems, broker)
            executors = _wait_until_running(runs, [worker], log)
            killed_at = timezone.now()
            for executor in executors.values():  # each run's own pool process
                os.kill(executor.pid, signal.SIGKILL)
            outcomes += _wait_until_ended(runs, killed_at, log)
            assert worker.poll() is None, "the parent outlives its pool processes and starts new ones"
    finally:
        for pid in [worker.pid, *children_of(worker.pid)]:
            kill_quietly(pid)
    _report(f"pool-{broker.name}", outcomes)
    _assert_every_run_ended_in_time(outcomes)


def test_killing_main_processes_ten_times_every_run_ends_within_a_minute(lab, broker, systems, tmp_path):
    """After each kill a new worker starts, as its supervisor (docker, systemd) would start one; a prefork
    parent's death takes its pool processes with it (Celery sets PR_SET_PDEATHSIG), so the new worker
    finds the runs' processes gone when it starts."""
    log = tmp_path / "worker.log"

    def start(system: SapSystem) -> subprocess.Popen:
        return start_worker(_env(lab, broker, system.zone), log, system.queue, pool="prefork", concurrency=1)

    workers = [start(system) for system in systems]
    outcomes: list[Outcome] = []
    try:
        for _round in range(KILLS // len(systems)):
            runs = _start_runs(systems, broker)
            _wait_until_running(runs, workers, log)
            killed_at = timezone.now()
            for worker in workers:
                os.kill(worker.pid, signal.SIGKILL)
            for worker in workers:
                worker.wait()
            workers = [start(system) for system in systems]
            outcomes += _wait_until_ended(runs, killed_at, log)
    finally:
        for worker in workers:
            for pid in [worker.pid, *children_of(worker.pid)]:
                kill_quietly(pid)
    _report(f"main-{broker.name}", outcomes)
    _assert_every_run_ended_in_time(outcomes)


def test_a_worker_on_another_host_takes_a_lost_run_over_by_its_heartbeats_alone(lab, systems, tmp_path):
    """Where the lost process cannot be looked up (it ran on another host), three missed heartbeats decide."""
    broker, system, log = _embedded(tmp_path), systems[0], tmp_path / "worker.log"
    env = _env(lab, broker, system.zone)
    lost = start_worker(env, log, system.queue, pool="prefork", concurrency=1)
    runs = _start_runs([system], broker)
    _wait_until_running(runs, [lost], log)
    os.kill(lost.pid, signal.SIGKILL)
    killed_at = timezone.now()
    lost.wait()
    run = DiagnosticRun.objects.get(pk=runs[0].pk)
    elsewhere = run.claimed_by.replace("@", "@another-host-", 1)  # as a worker on another host sees the claim
    DiagnosticRun.objects.filter(pk=run.pk).update(claimed_by=elsewhere)
    survivor = start_worker(env, log, system.queue, pool="prefork", concurrency=1)
    try:
        [outcome] = _wait_until_ended(runs, killed_at, log)
    finally:
        for pid in [survivor.pid, *children_of(survivor.pid)]:
            kill_quietly(pid)
    print(f"\nanother-host-embedded: {asdict(outcome)}")
    assert (outcome.state, outcome.attempts) == ("done", 2), outcome
    assert 3 * 5 - 5 <= outcome.seconds < LIMIT, "taken over after three missed 5 s heartbeats, not at once"
