"""Starting and stopping real `celery worker` processes from tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from celery import Celery
from django.conf import settings
from django.db import connection

from lab import Lab
from lab.dns import LAB_DNSBL_ZONES, lab_mx_endpoint
from lab.smtp import LAB_EGRESS_IP
from portal.models import MailSetup, SapSystem

ROOT = Path(__file__).resolve().parents[2]


def child_process_env() -> dict[str, str]:
    """What a child process needs to use this test process's database and encryption keys."""
    return {
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "PORTAL_SECRET_KEYS": ",".join(settings.PORTAL_SECRET_KEYS),
    }


def start_worker(
    env: dict[str, str], log: Path, queues: str = "default", *, pool: str = "solo", concurrency: int = 1
) -> subprocess.Popen[bytes]:
    """A worker on the test database, with this test process's encryption keys.

    ``pool="prefork"`` gives the production shape: a parent process and ``concurrency`` pool processes.
    """
    full_env = {**os.environ, **child_process_env(), **env}
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", f"--pool={pool}", f"--concurrency={concurrency}",
        f"--queues={queues}", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def start_beat(env: dict[str, str], log: Path, schedule_file: Path) -> subprocess.Popen[bytes]:
    """Celery beat on the test database, sending the portal's CELERY_BEAT_SCHEDULE (its tick from
    PORTAL_SCHEDULE_TICK in ``env``)."""
    full_env = {**os.environ, **child_process_env(), **env}
    command = [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO", f"--schedule={schedule_file}",
               "--max-interval=1"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (a prefork worker's pool processes), read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # the process ended while we looked
            if ppid == pid:
                children.append(int(entry.name))
    return children


def kill_quietly(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


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


def lab_env(lab: Lab, **overrides: str) -> dict[str, str]:
    """Settings that point a worker (or a diagnose command) at a running lab."""
    return {
        "PORTAL_DNS_NAMESERVERS": ",".join(f"{host}:{port}" for host, port in lab.dns.nameservers),
        "PORTAL_EXTRA_CA_BUNDLE": str(lab.pki.ca_pem_path),
        "PORTAL_LOGIN_AUTHORITY_HOST": lab.entra.base_url,
        "PORTAL_ALLOW_LOOPBACK_TARGETS": "1",
        "PORTAL_DNSBL_ZONES": ",".join(LAB_DNSBL_ZONES),
        **overrides,
    }


def silent_relay_system(lab: Lab, sid: str) -> SapSystem:
    """A system whose relay is the lab's "silent" listener (accepts TCP, never greets): each run waits
    PORTAL_CHECK_TIMEOUT seconds on the banner, long enough to be killed in the middle."""
    system = SapSystem.objects.create(sid=sid, client="100", description="a run slow enough to be killed")
    MailSetup.objects.create(
        system=system,
        option="relay_server",
        cloud="lab",
        smtp_host="relay-silent.lab.test",
        smtp_port=lab.port("silent"),
        tls="opportunistic",
        sender="slow@good.lab.test",
        egress_ips=[LAB_EGRESS_IP],
        relay_host=lab_mx_endpoint("good.lab.test"),
        upstream_option="relay_connector",
    )
    return system
