"""Fixtures shared by every test area: the cast of users, the local Redis server and the lab."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from lab import Lab
from lab.demo import demo_csv
from lab.dns import LAB_DNSBL_ZONES
from lab.scenarios import configure
from portal.roles import BASIS_ADMIN, HELPDESK, MANAGER
from portal.system_import import import_systems
from tests.support.network import free_port
from tests.support.users import make_user


@pytest.fixture
def basis_admin(db: None) -> User:
    return make_user("basis", BASIS_ADMIN)


@pytest.fixture
def helpdesk(db: None) -> User:
    return make_user("helpdesk", HELPDESK)


@pytest.fixture
def manager(db: None) -> User:
    return make_user("manager", MANAGER)


@pytest.fixture
def outsider(db: None) -> User:
    return make_user("outsider", None)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free loopback port for this test session (make test installs it)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: run the tests through `make test`"
    port = free_port()
    workdir: Path = tmp_path_factory.mktemp("redis")
    subprocess.run(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--daemonize", "yes", "--pidfile", str(workdir / "redis.pid"), "--dir", str(workdir)],
        check=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            time.sleep(0.05)
    else:
        pytest.fail("redis-server did not answer within 10 s")
    yield f"redis://127.0.0.1:{port}/0"
    subprocess.run([shutil.which("redis-cli") or "redis-cli", "-p", str(port), "shutdown", "nosave"], check=False)


@pytest.fixture(autouse=True)
def _flapping_relay_starts_on_its_good_turn(request: pytest.FixtureRequest) -> None:
    """The demo's flapping relay drops every other connection: each test that uses the session's lab starts
    on its good turn, so what a test sees never depends on which tests ran before it."""
    if "lab" in request.fixturenames and isinstance(started := request.getfixturevalue("lab"), Lab):
        started.smtp.restart_flapping()  # (a module may name its own fixture "lab": the relay tests' listeners)


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The lab on free loopback ports, once per test session, with the demo's cast configured
    (lab.scenarios): its tenants are fixed, so tests that need their own make an ``org``."""
    with Lab.start() as started:
        configure(started)
        yield started


@pytest.fixture
def lab_settings(settings, lab: Lab) -> Lab:
    """The PORTAL_* settings pointing at the lab, as the demo sets them: for runs through the runner."""
    settings.PORTAL_DNS_NAMESERVERS = lab.dns.nameservers
    settings.PORTAL_EXTRA_CA_BUNDLE = str(lab.pki.ca_pem_path)
    settings.PORTAL_LOGIN_AUTHORITY_HOST = lab.entra.base_url
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = True
    settings.PORTAL_DNSBL_ZONES = list(LAB_DNSBL_ZONES)
    settings.PORTAL_CHECK_TIMEOUT = 2
    settings.PORTAL_WORKER_NAME = "test-worker"
    return lab


@pytest.fixture
def demo(lab_settings: Lab) -> Lab:
    """The demo systems imported with the lab's ports, the settings pointing at the lab (the test module
    says how it uses the database)."""
    import_systems(demo_csv(lab_settings.ports))
    return lab_settings
