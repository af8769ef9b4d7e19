"""Real `celery worker` processes executing a task end to end: against Redis, and the embedded broker."""

import subprocess
import time
from pathlib import Path

import pytest
from celery import Celery

from portal.models import WorkerHeartbeat
from tests.support.workers import filesystem_sender, start_worker, stop_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _wait_for_heartbeat(worker: str, process: subprocess.Popen[bytes], log: Path) -> WorkerHeartbeat:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        beat = WorkerHeartbeat.objects.filter(worker=worker).first()
        if beat:
            return beat
        assert process.poll() is None, log.read_text()
        time.sleep(0.2)
    pytest.fail(f"the worker did not run the task within 45 s:\n{log.read_text()}")


def _sender(broker: str, **options: object) -> Celery:
    return Celery("test-sender", broker=broker, set_as_current=False, **options)


def test_a_worker_runs_a_task_from_a_real_redis_broker(redis_url, tmp_path):
    env = {"REDIS_URL": redis_url, "PORTAL_WORKER_NAME": "redis-worker", "PORTAL_ZONE": "dmz"}
    process = start_worker(env, tmp_path / "worker.log")
    try:
        sender = _sender(redis_url, task_serializer="json")
        sender.send_task("portal.tasks.record_heartbeat_task", kwargs={"zone": "dmz"}, queue="default")
        beat = _wait_for_heartbeat("redis-worker", process, tmp_path / "worker.log")
        assert beat.zone == "dmz"
    finally:
        stop_worker(process)


def test_a_worker_runs_a_task_from_the_embedded_filesystem_broker(tmp_path):
    data = tmp_path / "data"
    env = {"PORTAL_DATA_DIR": str(data), "PORTAL_WORKER_NAME": "embedded-worker"}
    env["REDIS_URL"] = ""
    process = start_worker(env, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 30
        while not (data / "broker" / "queue").is_dir():  # the worker's own settings create it
            assert time.monotonic() < deadline and process.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.1)
        sender = filesystem_sender(data, create=False)
        sender.send_task("portal.tasks.record_heartbeat_task", kwargs={}, queue="default")
        beat = _wait_for_heartbeat("embedded-worker", process, tmp_path / "worker.log")
        assert beat.zone == ""
    finally:
        stop_worker(process)
