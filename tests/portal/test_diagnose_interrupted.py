"""`manage.py diagnose` stopped in the middle of a run: the run ends aborted, saying the command was
interrupted, never blaming a worker. The command runs as a real process against the lab's silent relay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagnostics.models import DiagnosticRun
from diagnostics.runner import sweep_runs
from lab import Lab
from tests.support.workers import ROOT, child_process_env, lab_env, silent_relay_system

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with Lab.start() as started:
        yield started


def _diagnose(lab: Lab, sid: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, **child_process_env(), **lab_env(lab, PORTAL_CHECK_TIMEOUT="20", **env)}
    command = [sys.executable, "manage.py", "diagnose", sid, "--json"]
    return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _running_run_of(sid: str, process: subprocess.Popen[bytes], log: Path) -> DiagnosticRun:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = DiagnosticRun.objects.filter(system__sid=sid, state="running").first()
        if run is not None and run.results.exists():
            return run
        assert process.poll() is None, log.read_text()
        time.sleep(0.05)
    pytest.fail(f"the command's run did not start within 60 s:\n{log.read_text()}")


def _assert_ended_as_interrupted(run: DiagnosticRun, pid: int) -> None:
    run.refresh_from_db()
    assert (run.state, run.verdict, run.trigger) == ("aborted", "error", "cli")
    assert f"The diagnose command (process {pid} on" in run.note and "interrupted" in run.note
    assert "worker" not in run.note


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_diagnose_command_stopped_by_a_signal_ends_its_run_at_once(lab, tmp_path, sig):
    silent_relay_system(lab, "CLI")
    log = tmp_path / "diagnose.log"
    process = _diagnose(lab, "CLI", log)
    run = _running_run_of("CLI", process, log)
    os.kill(process.pid, sig)
    assert process.wait(timeout=30) != 0
    _assert_ended_as_interrupted(run, process.pid)


def test_a_diagnose_command_killed_mid_run_is_ended_as_interrupted_by_the_next_sweep(lab, tmp_path):
    silent_relay_system(lab, "CLK")
    log = tmp_path / "diagnose.log"
    process = _diagnose(lab, "CLK", log)
    run = _running_run_of("CLK", process, log)
    process.kill()
    process.wait()
    assert sweep_runs() == 1  # on this host the process is visibly gone: no need to wait for heartbeats
    _assert_ended_as_interrupted(run, process.pid)


def test_seen_from_another_host_a_killed_command_is_ended_once_its_heartbeats_stop(lab, tmp_path, settings):
    settings.PORTAL_RUN_HEARTBEAT = 1
    silent_relay_system(lab, "CLH")
    log = tmp_path / "diagnose.log"
    process = _diagnose(lab, "CLH", log, PORTAL_RUN_HEARTBEAT="1")
    run = _running_run_of("CLH", process, log)
    time.sleep(1.5)
    assert sweep_runs() == 0  # alive: its heartbeat is fresh
    process.kill()
    process.wait()
    # What a worker on another host sees: a claim it cannot check, whose heartbeat stops.
    claim = DiagnosticRun.objects.get(pk=run.pk).claimed_by.replace("@", "@another-host-", 1)
    DiagnosticRun.objects.filter(pk=run.pk).update(claimed_by=claim)
    assert sweep_runs() == 0
    deadline = time.monotonic() + 10
    while sweep_runs() == 0:
        assert time.monotonic() < deadline, "the run should be ended three heartbeats after the last one"
        time.sleep(0.2)
    _assert_ended_as_interrupted(run, process.pid)
