"""make run's terminal: the services side by side, the admin password last (after every service listens)
in a box, and one Ctrl-C that stops everything with exit status 0 and no ERROR line.

The whole Procfile but the lab runs here (the lab's ports are fixed, other work on this machine may hold
them): web, worker, beat and welcome, on a free port, a temporary data folder and the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab import Lab
from lab.management.commands.welcome import box, welcome_lines
from portal.admin_account import AdminAccount
from portal.services import read_procfile
from tests.support.network import free_port
from tests.support.users import ensure_role_groups
from tests.support.workers import ROOT, child_process_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_the_box_frames_every_line_at_one_width():
    framed = box(
        ["The portal is ready: http://127.0.0.1:8000/", "", "Sign in as admin with the password x"]
    ).splitlines()
    assert framed[0].startswith("┌") and framed[-1].startswith("└")
    assert len({len(line) for line in framed}) == 1
    assert "│  Sign in as admin with the password x" in framed[3]


def test_the_welcome_names_a_generated_password_and_only_then():
    made = welcome_lines("http://127.0.0.1:8000/", AdminAccount("admin", True, "s3cret-pw"), "First sweep: done.")
    assert "Sign in as admin with the password s3cret-pw" in made
    kept = welcome_lines("http://127.0.0.1:8000/", AdminAccount("admin", False), "First sweep: done.")
    assert not any("s3cret" in line for line in kept) and "Sign in as admin (its password is unchanged)." in kept


def _procfile(tmp_path: Path, port: int) -> Path:
    lines = []
    for name, command in read_procfile(ROOT / "Procfile"):
        if name == "lab":
            continue  # fixed ports; its own signal handling is tested below
        command = command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        if name == "welcome":
            command += f" --no-lab --url http://127.0.0.1:{port}/ --timeout 60"
        lines.append(f"{name}: {command}")
    path = tmp_path / "Procfile"
    path.write_text("\n".join(lines) + "\n")
    return path


def _read_until(process: subprocess.Popen[str], needle: str, seconds: float, seen: list[str]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if needle in line:
            return
    pytest.fail(f"{needle!r} did not appear within {seconds} s:\n" + "\n".join(seen))


def test_the_password_comes_last_in_a_box_and_ctrl_c_stops_everything_cleanly(tmp_path):
    ensure_role_groups()  # the admin account joins the Basis admins
    port = free_port()
    env = {**os.environ, **child_process_env(), "PORTAL_DATA_DIR": str(tmp_path / "data"), "REDIS_URL": "",
           "PORTAL_ADMIN_PASSWORD": ""}  # fmt: skip
    env.pop("PORTAL_ADMIN_PASSWORD")
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.services", str(_procfile(tmp_path, port))], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    seen: list[str] = []
    try:
        _read_until(process, "└", 120, seen)
        text = "\n".join(seen)
        box_at = next(i for i, line in enumerate(seen) if "┌" in line)
        for listening in (f"Listening at: http://127.0.0.1:{port}", "celery@", "beat: Starting"):
            assert any(listening in line for line in seen[:box_at]), (listening, text)
        assert "Sign in as admin with the password " in text
        process.send_signal(signal.SIGINT)  # what Ctrl-C does: the terminal signals the foreground group
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = text + "\n" + rest
    assert process.returncode == 0, output
    assert "everything stopped" in rest
    assert not [line for line in output.splitlines() if "ERROR" in line or "Traceback" in line], output


def test_the_lab_stops_cleanly_on_sigterm(tmp_path):
    code = (
        "from lab import Lab\n"
        "lab = Lab.start()\n"
        "lab.serve_forever(ready=lambda: print('listening', flush=True))\n"
        "print('stopped', flush=True)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    assert process.stdout.readline().strip() == "listening"
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and "stopped" in out and "Traceback" not in out, out
    assert Lab  # the class the demo's lab command runs


def test_ctrl_c_in_a_terminal_reaches_the_services_not_make_so_make_exits_0(tmp_path):
    """A real terminal (a pseudo-terminal here): make runs portal.services, ^C is typed, make exits 0."""
    import pty

    sleeper = f"{sys.executable} -c \"import signal,time; signal.signal(signal.SIGTERM, lambda *a: exit(0)); print('up', flush=True); time.sleep(60)\""
    (tmp_path / "Procfile").write_text(f"one: {sleeper}\ntwo: {sleeper}\n")
    (tmp_path / "Makefile").write_text(
        f"run:\n\tcd {ROOT} && {sys.executable} -m portal.services {tmp_path / 'Procfile'}\n"
    )
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a shell's job, make in the terminal's foreground
        os.execvp("make", ["make", "--no-print-directory", "-C", str(tmp_path), "run"])
    seen = b""
    deadline = time.monotonic() + 30
    while seen.count(b"| up") < 2 and time.monotonic() < deadline:
        seen += os.read(terminal, 4096)
    os.write(terminal, b"\x03")  # Ctrl-C, as typed
    while time.monotonic() < deadline + 30:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    text = seen.decode(errors="replace")
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, text)
    assert "everything stopped" in text and "Interrupt" not in text and "Error" not in text, text
