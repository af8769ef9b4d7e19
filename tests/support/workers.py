"""Starting and stopping real `celery worker` processes from tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from celery import Celery
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def start_worker(env: dict[str, str], log: Path, queues: str = "default") -> subprocess.Popen[bytes]:
    """A worker on the test database, with this test process's encryption keys."""
    full_env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "PORTAL_SECRET_KEYS": ",".join(settings.PORTAL_SECRET_KEYS),
        **env,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", f"--queues={queues}",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def filesystem_sender(data_dir: Path, *, create: bool = True) -> Celery:
    """A Celery client on the embedded broker folders of ``data_dir`` (as the worker sees them).

    ``create=False`` relies on the portal's settings having made the folders (the worker did).
    """
    folders = {
        "data_folder_in": str(data_dir / "broker" / "queue"),
        "data_folder_out": str(data_dir / "broker" / "queue"),
        "control_folder": str(data_dir / "broker" / "control"),
    }
    for folder in folders.values():
        if create:
            Path(folder).mkdir(parents=True, exist_ok=True)
    return Celery("test-sender", broker="filesystem://", broker_transport_options=folders, set_as_current=False)
