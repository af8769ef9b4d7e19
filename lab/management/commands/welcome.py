from __future__ import annotations

import os
import signal
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from lab import FIXED_PORTS
from portal.admin_account import AdminAccount, ensure_admin
from portal.health import VERDICT_HEALTH
from portal.models import WorkerHeartbeat
from portal.tasks import record_heartbeat_task


def box(lines: list[str]) -> str:
    """The lines framed, so the one thing to read on a busy terminal stands out."""
    width = max(len(line) for line in lines)
    rule = "─" * (width + 4)
    return "\n".join([f"┌{rule}┐", *(f"│  {line:<{width}}  │" for line in lines), f"└{rule}┘"])


def welcome_lines(url: str, account: AdminAccount, sweep: str) -> list[str]:
    lines = [f"The SAP Mail Health Portal is ready: {url}", ""]
    if account.generated_password:
        lines += [f"Sign in as {account.username} with the password {account.generated_password}",
                  "(shown only this once; change it with: .venv/bin/python manage.py changepassword "
                  f"{account.username})"]  # fmt: skip
    elif account.created:
        lines.append(f"Sign in as {account.username} with the password from PORTAL_ADMIN_PASSWORD.")
    else:
        lines.append(f"Sign in as {account.username} (its password is unchanged).")
    lines += ["", sweep, "Alerts are mailed to the worker's console (the embedded mode's e-mail).",
              "Ctrl-C stops the web server, the worker, beat and the lab."]  # fmt: skip
    return lines


def _answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our own loopback URL
            return answer.status < 500
    except OSError:
        return False


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _until(ready: Callable[[], bool], deadline: float, stop: threading.Event) -> bool:
    while not stop.is_set() and time.monotonic() < deadline:
        if ready():
            return True
        stop.wait(0.5)
    return ready()


def _sweep_words(since: datetime) -> str:
    runs = DiagnosticRun.objects.filter(finished_at__gte=since, state=DiagnosticRun.State.DONE)
    health = [VERDICT_HEALTH.get(verdict) for verdict in runs.values_list("verdict", flat=True)]
    if not health:
        waiting = DiagnosticRun.objects.filter(state=DiagnosticRun.State.QUEUED).exists()
        return "The first sweep is still running: results appear as they come." if waiting else "No run yet."
    counts = ", ".join(f"{health.count(state)} {state}" for state in ("green", "amber", "red") if health.count(state))
    return f"First sweep: {len(health)} systems checked ({counts})."


class Command(BaseCommand):
    help = (
        "make run's last word: once the web server, the lab and the worker answer and the first sweep is done "
        "(or a minute has passed), print where to sign in and the admin password in a box; then wait to be stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")
        parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the services")
        parser.add_argument("--username", default=os.environ.get("PORTAL_ADMIN_USER", "admin"))
        parser.add_argument("--no-lab", action="store_true", help="do not wait for the lab (tests)")

    def handle(self, *args: Any, url: str, timeout: float, username: str, no_lab: bool, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        since, deadline = timezone.now(), time.monotonic() + timeout
        _until(lambda: _answers_http(url + "login/"), deadline, stop)
        if not no_lab:
            _until(lambda: _listens(FIXED_PORTS["submission"]) and _listens(FIXED_PORTS["entra"]), deadline, stop)
        # The worker is up once it takes a run of the first sweep or answers this heartbeat request.
        record_heartbeat_task.apply_async(kwargs={"zone": ""}, queue="default", expires=max(timeout, 1))
        started = DiagnosticRun.objects.filter(started_at__gte=since)
        _until(lambda: started.exists() or WorkerHeartbeat.objects.filter(seen_at__gte=since).exists(), deadline, stop)
        # The first sweep's logs would push the box off the screen: it comes after them.
        sweeping = DiagnosticRun.objects.filter(state__in=(DiagnosticRun.State.QUEUED, DiagnosticRun.State.RUNNING))
        _until(lambda: not sweeping.exists(), deadline, stop)
        if stop.is_set():
            return
        account = ensure_admin(username)
        self.stdout.write(box(welcome_lines(url, account, _sweep_words(since))))
        self.stdout.flush()
        while not stop.wait(0.5):  # a short wait: the signal handler runs between waits, never inside one
            pass
