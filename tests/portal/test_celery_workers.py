"""Real `celery worker` processes executing a task end to end: against Redis, and the embedded broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from portal.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}", **env}
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--queues=default",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _wait_for_heartbeat(worker: str, process: subprocess.Popen[bytes], log: Path) -> WorkerHeartbeat:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        beat = WorkerHeartbeat.objects.filter(worker=worker).first()
        if beat:
            return beat
        assert process.poll() is None, log.read_text()
        time.sleep(0.2)
    pytest.fail(f"the worker did not run the task within 45 s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def _sender(broker: str, **options: object) -> Celery:
    return Celery("test-sender", broker=broker, set_as_current=False, **options)


def test_a_worker_runs_a_task_from_a_real_redis_broker(redis_url, tmp_path):
    env = {"REDIS_URL": redis_url, "PORTAL_WORKER_NAME": "redis-worker", "PORTAL_ZONE": "dmz"}
    process = _worker(env, tmp_path / "worker.log")
    try:
        sender = _sender(redis_url, task_serializer="json")
        sender.send_task("portal.tasks.record_heartbeat_task", kwargs={"zone": "dmz"}, queue="default")
        beat = _wait_for_heartbeat("redis-worker", process, tmp_path / "worker.log")
        assert beat.zone == "dmz"
    finally:
        _stop(process)


def test_a_worker_runs_a_task_from_the_embedded_filesystem_broker(tmp_path):
    data = tmp_path / "data"
    env = {"PORTAL_DATA_DIR": str(data), "PORTAL_WORKER_NAME": "embedded-worker"}
    env["REDIS_URL"] = ""
    process = _worker(env, tmp_path / "worker.log")
    try:
        folders = {
            "data_folder_in": str(data / "broker" / "queue"),
            "data_folder_out": str(data / "broker" / "queue"),
            "control_folder": str(data / "broker" / "control"),
        }
        for folder in folders.values():
            Path(folder).mkdir(parents=True, exist_ok=True)
        sender = _sender("filesystem://", broker_transport_options=folders)
        sender.send_task("portal.tasks.record_heartbeat_task", kwargs={}, queue="default")
        beat = _wait_for_heartbeat("embedded-worker", process, tmp_path / "worker.log")
        assert beat.zone == ""
    finally:
        _stop(process)
