"""``make run``'s foreground: the Procfile's services (web, worker, beat, the lab…) side by side, each line
prefixed with its name, and one Ctrl-C that stops them all cleanly with exit status 0.

Why not honcho, which did this before: honcho answers Ctrl-C with exit status 130 by design, and ``make``
itself dies of the same Ctrl-C when it shares the terminal's foreground process group. Here each
service runs in a session of its own (no terminal signal reaches it directly) and receives one SIGTERM
from us — every service here stops cleanly on it (a Celery worker answers SIGINT with exit status 1,
Django's runserver dies of SIGTERM: the web service is gunicorn) — and this process makes itself the terminal's
foreground group, so Ctrl-C reaches it and not ``make``; the terminal is given back on exit.

    python -m portal.services Procfile
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import FrameType

GRACE = 20.0  # seconds each service has to stop before it is killed
_ENTRY = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def read_procfile(path: Path) -> list[tuple[str, str]]:
    """(name, command) per line; blank lines and comments are skipped."""
    entries = []
    for line in path.read_text().splitlines():
        found = _ENTRY.match(line.strip())
        if found and not line.lstrip().startswith("#"):
            entries.append((found.group(1), found.group(2)))
    return entries


@contextlib.contextmanager
def foreground() -> Iterator[None]:
    """Make this process the terminal's foreground process group for a while (no terminal: nothing to do)."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may not take the terminal otherwise
    before = os.tcgetpgrp(tty)
    try:
        os.setpgid(0, 0)
        os.tcsetpgrp(tty, os.getpgrp())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(tty, before)
        signal.signal(signal.SIGTTOU, previous)
        os.close(tty)


class Services:
    def __init__(self, entries: list[tuple[str, str]], out: object = None) -> None:
        self.entries = entries
        self.out = out or sys.stdout
        self.width = max([len("system")] + [len(name) for name, _ in entries])
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def say(self, name: str, line: str) -> None:
        with self.lock:
            self.out.write(f"{datetime.now():%H:%M:%S} {name:<{self.width}} | {line}\n")
            self.out.flush()

    def start(self) -> None:
        for name, command in self.entries:
            process = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],  # exec: the signal goes to the service, not to a shell
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )  # fmt: skip
            self.processes[name] = process
            threading.Thread(target=self._relay, args=(name, process), daemon=True).start()

    def _relay(self, name: str, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            self.say(name, raw.decode("utf-8", "replace").rstrip("\n"))

    def stop(self, *_: object) -> None:
        """Ask every service still running to stop: one SIGTERM each."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)

    def wait(self) -> int:
        """Until a stop was asked for, or a service ended on its own; then everyone ends. The exit status:
        0 when asked to stop and every service stopped cleanly, else the first failure's."""
        while not self.stopping.is_set():
            ended = [(name, p) for name, p in self.processes.items() if p.poll() is not None]
            if ended:
                name, process = ended[0]
                self.say("system", f"{name} ended by itself (exit status {process.returncode}): stopping the others")
                self.stop()
                break
            self.stopping.wait(0.2)
        deadline = time.monotonic() + GRACE
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.say("system", f"{name} did not stop within {GRACE:g} s: killed")
                process.kill()
                process.wait()
        failed = [(name, p.returncode) for name, p in self.processes.items() if p.returncode != 0]
        for name, code in failed:
            self.say("system", f"{name} stopped with exit status {code}")
        if not failed:
            self.say("system", "everything stopped")
        return failed[0][1] if failed else 0


def _interrupted(services: Services) -> object:
    def handler(signum: int, frame: FrameType | None) -> None:
        services.stop()

    return handler


def main(argv: list[str]) -> int:
    procfile = Path(argv[1] if len(argv) > 1 else "Procfile")
    services = Services(read_procfile(procfile))
    with foreground():
        signal.signal(signal.SIGINT, _interrupted(services))
        signal.signal(signal.SIGTERM, _interrupted(services))
        services.start()
        code = services.wait()
    return code if code >= 0 else 128 - code  # killed by signal N: the shell's 128 + N


if __name__ == "__main__":
    sys.exit(main(sys.argv))
