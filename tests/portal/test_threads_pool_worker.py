"""The production worker shape chosen by measuring (benchmarks/sweep_throughput.py): one process with a pool of
threads. It runs many diagnoses side by side, and its watchdog (no worker_process_init in a threads pool) ends or
re-queues runs whose executor is gone."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from lab.demo import demo_csv
from lab.scenarios import SCENARIOS
from portal.models import SapSystem
from portal.runs import create_runs
from portal.system_import import import_systems
from tests.support.workers import filesystem_sender, lab_env, start_worker, stop_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_threads_pool_worker_runs_the_demo_fleet_side_by_side_and_watches_for_lost_runs(lab, tmp_path):
    import_systems(demo_csv(lab.ports))
    data = tmp_path / "data"
    env = {**lab_env(lab), "REDIS_URL": "", "PORTAL_DATA_DIR": str(data), "PORTAL_WORKER_NAME": "threads-worker",
           "PORTAL_CHECK_TIMEOUT": "2", "PORTAL_RUN_HEARTBEAT": "1"}  # fmt: skip
    # A run whose executor vanished (a worker of another host, silent for long): only a watchdog ends it.
    lost = DiagnosticRun.objects.create(system=SapSystem.objects.get(sid="PRD", client="100"), option="oauth2",
                                        trigger="schedule", state="running", claimed_by="worker 1@elsewhere - x",
                                        attempts=3, heartbeat_at=timezone.now() - timedelta(minutes=5))  # fmt: skip
    log = tmp_path / "worker.log"
    process = start_worker(env, log, pool="threads", concurrency=16)
    try:
        deadline = time.monotonic() + 60
        while not (data / "broker" / "queue").is_dir():
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.1)
        sender = filesystem_sender(data, create=False)
        opened = create_runs(SapSystem.objects.exclude(sid="PRD", client="100").select_related("mail_setup"),
                             trigger="web")  # fmt: skip
        for run, _ in opened.values():
            sender.send_task("portal.tasks.run_diagnosis_task", args=[run.pk], queue="default")
        began = time.monotonic()
        while DiagnosticRun.objects.exclude(state__in=("done", "aborted")).exists():
            assert time.monotonic() - began < 90 and process.poll() is None, log.read_text()
            time.sleep(0.2)
        elapsed = time.monotonic() - began
    finally:
        stop_worker(process)
    runs = DiagnosticRun.objects.exclude(pk=lost.pk)
    assert runs.count() == len(SCENARIOS) - 1 and set(runs.values_list("state", flat=True)) == {"done"}, log.read_text()
    assert set(runs.values_list("worker", flat=True)) == {"threads-worker"}
    overlapping = sum(1 for run in runs if runs.filter(started_at__lt=run.finished_at, finished_at__gt=run.started_at)
                      .exclude(pk=run.pk).exists())  # fmt: skip
    assert overlapping >= 10, f"runs did not overlap ({elapsed:.1f} s)"  # side by side, not one after another
    lost.refresh_from_db()
    assert lost.state == "aborted" and "was lost during the run" in lost.note
