"""A private Postfix for the relay tests: its own config_directory, queue and log in a temporary
directory, smtpd on a free loopback port, started and stopped by the test.

``postfix -c DIR`` runs an instance from any directory (postfix(1) -c); there is no syslog here, so
the instance logs to ``maillog_file`` (postconf(5) maillog_file, with its directory listed in
maillog_file_prefixes). Nothing outside the temporary directory is read or written, except
Postfix's own programs and the ``postfix`` user the Debian package created.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SBIN = "/usr/sbin"
COMMAND_TIMEOUT = 30  # seconds for postfix check/start/stop, postmap, swaks
# Postfix's standard services (master.cf of Postfix 3.7) without chroot: a private instance has no
# copies of /etc files in its queue directory. smtpd listens on the test's loopback port only.
MASTER_CF = """\
{listen} inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""
# Lines Postfix writes when something is wrong with its configuration or files.
TROUBLE = re.compile(r"\b(warning|error|fatal|panic):")


def environment(config_directory: Path) -> dict[str, str]:
    """For commands the generated steps run (postmap, postconf): the instance's configuration."""
    path = os.environ.get("PATH", "")
    return {**os.environ, "MAIL_CONFIG": str(config_directory), "PATH": f"{SBIN}:{path}"}


class PostfixInstance:
    def __init__(self, *, port: int) -> None:
        # Not below pytest's tmp_path: its parents are private to root, and the postfix user must reach
        # the queue. mkdtemp's directory is opened up to 0755; its parent (/tmp) is world-searchable.
        root = Path(tempfile.mkdtemp(prefix="postfix-relay-test-"))
        self.root = root
        self.port = port
        self.config_directory = root / "etc"
        self.queue_directory = root / "queue"
        self.data_directory = root / "data"
        self.maillog = root / "maillog"
        self.running = False
        root.chmod(0o755)
        for directory in (self.config_directory, self.queue_directory, self.data_directory):
            directory.mkdir()
        shutil.chown(self.data_directory, "postfix", "postfix")  # postfix(1) refuses a root-owned data_directory
        (self.config_directory / "master.cf").write_text(MASTER_CF.format(listen=f"127.0.0.1:{port}"))

    # -- files ------------------------------------------------------------------------------
    def write(self, name: str, content: str | bytes, *, mode: int = 0o644) -> Path:
        path = self.config_directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        path.chmod(mode)
        return path

    def install_main_cf(self, generated: str) -> None:
        """The generated main.cf, then what only this instance needs: where its queue, data and log are."""
        self.write(
            "main.cf",
            generated
            + "\n# --- the test's private instance (not generated) ---\n"
            + f"queue_directory = {self.queue_directory}\n"
            + f"data_directory = {self.data_directory}\n"
            + f"maillog_file = {self.maillog}\n"
            + f"maillog_file_prefixes = {self.root}\n"
            # The lab is on IPv4 loopback; a CI container may have no IPv6, which Postfix would warn about.
            + "inet_protocols = ipv4\n",
        )

    # -- commands ---------------------------------------------------------------------------
    def postfix(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [f"{SBIN}/postfix", "-c", str(self.config_directory), command],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )

    def shell(self, script: str, *, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """A generated shell step, run with bash against this instance."""
        return subprocess.run(
            ["bash", "-c", script],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env=environment(self.config_directory),
            check=False,
        )

    def check(self) -> subprocess.CompletedProcess[str]:
        return self.postfix("check")

    def start(self) -> None:
        started = self.postfix("start")
        assert started.returncode == 0, started.stdout + started.stderr + self.log()
        self.running = True

    def stop(self) -> None:
        """Tell the master to stop (it ends its children at once); ``remove`` waits for it to exit."""
        if not self.running:
            return
        pid_file = self.queue_directory / "pid" / "master.pid"
        self._master_pid = int(pid_file.read_text().split()[0]) if pid_file.exists() else None
        self.postfix("stop")
        self.running = False

    def remove(self) -> None:
        """Stop, wait for the master to exit (about a second), remove the directory."""
        self.stop()
        pid = getattr(self, "_master_pid", None)
        if pid is not None:
            wait_for(lambda: not _alive(pid), timeout=10, what=f"Postfix master {pid} to exit")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- what happened ----------------------------------------------------------------------
    def log(self) -> str:
        return self.maillog.read_text() if self.maillog.exists() else ""

    def trouble(self) -> list[str]:
        return [line for line in self.log().splitlines() if TROUBLE.search(line)]

    def wait_for_log(self, pattern: str, *, timeout: float = 15) -> re.Match[str]:
        found: list[re.Match[str]] = []

        def seen() -> bool:
            match = re.search(pattern, self.log())
            if match:
                found.append(match)
            return match is not None

        wait_for(seen, timeout=timeout, what=f"{pattern!r} in the Postfix log:\n{self.log()}")
        return found[0]


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
