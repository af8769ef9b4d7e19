"""The embedded mode serves styled error pages (Django's debug pages only when a developer asks for them),
and the compose file's production settings pass ``manage.py check --deploy`` without a warning."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from tests.support.network import free_port

ROOT = Path(__file__).resolve().parents[2]
# A well-formed session key makes Django read the session table (a short one is ignored unread).
UNKNOWN_SESSION = "sessionid=" + "x" * 32
OWN = ("DJANGO_", "PORTAL_", "DATABASE_URL", "REDIS_URL", "SECURE_", "SESSION_", "CSRF_", "ALLOWED_HOSTS")


def _environment(tmp_path: Path, **env: str) -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(OWN)}
    return {**clean, "PORTAL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings", **env}


def _settings(tmp_path: Path, *names: str, **env: str) -> list[str]:
    code = "import django; django.setup(); from django.conf import settings; " + "; ".join(
        f"print(repr(getattr(settings, {name!r}, None)))" for name in names
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_environment(tmp_path, **env), capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@contextmanager
def _runserver(tmp_path: Path, **env: str) -> Iterator[str]:
    """``manage.py runserver`` as ``make run`` starts it, on a free port, with a database it cannot use.

    The database file exists but has no tables: the server starts, and the first request that reads a
    session fails with a 500, whose page is what this test is about.
    """
    port = free_port()
    database = tmp_path / "empty.sqlite3"
    database.touch()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],  # as the Procfile
        cwd=ROOT, env=_environment(tmp_path, DATABASE_URL=f"sqlite:///{database}", **env),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/static/portal/portal.css", timeout=2)  # noqa: S310 - loopback
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"runserver did not start: {server.stderr.read() if server.stderr else ''}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_embedded_mode_has_debug_off_and_keeps_its_generated_keys_and_local_hosts(tmp_path):
    debug, embedded, hosts, finders = _settings(
        tmp_path, "DEBUG", "EMBEDDED", "ALLOWED_HOSTS", "WHITENOISE_USE_FINDERS"
    )
    assert (debug, embedded, finders) == ("False", "True", "True")
    assert hosts == "['127.0.0.1', 'localhost', '[::1]']"
    assert (tmp_path / "portal-secret-keys").exists()  # DJANGO_DEBUG unset still means the embedded mode


def test_make_runs_server_serves_static_files_and_styled_error_pages_without_the_environment(tmp_path):
    with _runserver(tmp_path) as base:
        status, css = _get(f"{base}/static/portal/portal.css")
        assert status == 200 and "--brand" in css
        status, page = _get(f"{base}/no-such-page/")
        assert status == 404
        assert 'href="/login/"' in page and "URLconf" not in page
        status, page = _get(f"{base}/login/", Cookie=UNKNOWN_SESSION)  # the session table is missing
        assert status == 500
        assert "Something went wrong on our side" in page
        assert "DATABASE_URL" not in page and "Traceback" not in page and str(tmp_path) not in page


def test_a_developer_asks_for_debug_pages_with_portal_debug_pages(tmp_path):
    with _runserver(tmp_path, PORTAL_DEBUG_PAGES="1") as base:
        status, page = _get(f"{base}/login/", Cookie=UNKNOWN_SESSION)
    assert status == 500
    assert "Traceback" in page and "no such table" in page


def test_debug_pages_are_refused_in_production(tmp_path):
    env = _environment(tmp_path, DJANGO_DEBUG="0", PORTAL_DEBUG_PAGES="1", ALLOWED_HOSTS="portal.example.com",
                       DJANGO_SECRET_KEY=secrets.token_urlsafe(50), PORTAL_SECRET_KEYS=Fernet.generate_key().decode())  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "PORTAL_DEBUG_PAGES" in result.stderr


def _compose_production(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """.env.example as an operator fills it in (the two keys), plus what docker-compose.yml sets."""
    env: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    env.update(yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-portal"]["environment"])
    env.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), PORTAL_SECRET_KEYS=Fernet.generate_key().decode())
    env.update(overrides)
    clean = {key: value for key, value in os.environ.items() if not key.startswith(OWN)}
    return {**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env}


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_check_deploy_is_clean_with_the_compose_files_production_settings(tmp_path):
    result = _check_deploy(_compose_production(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_hsts_the_https_redirect_and_the_proxy_header_follow_the_environment(tmp_path):
    env = _compose_production(tmp_path)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.DEBUG)"
    )
    run = lambda **extra: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, timeout=60
    ).stdout.strip()
    assert run() == "31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') False"
    # TLS ends before a proxy that does not set the header, or another layer redirects and sends HSTS:
    assert run(SECURE_HSTS_SECONDS="0", SECURE_SSL_REDIRECT="0", SECURE_PROXY_SSL_HEADER="off") == "0 False None False"
    assert run(SECURE_PROXY_SSL_HEADER="X-Forwarded-Protocol") == (
        "31536000 True ('HTTP_X_FORWARDED_PROTOCOL', 'https') False"
    )
    result = _check_deploy({**env, "SECURE_HSTS_SECONDS": "0", "SECURE_SSL_REDIRECT": "0"})
    output = result.stdout + result.stderr
    assert "security.W004" in output and "security.W008" in output  # the check still tells
