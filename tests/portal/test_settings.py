import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import ERROR
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, parse_nameservers

ROOT = Path(__file__).resolve().parents[2]


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_", "DATABASE_URL"))}
    clean.update({"PORTAL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_with_generated_keys(tmp_path):
    result = _start({"DJANGO_DEBUG": "0", "ALLOWED_HOSTS": "portal.example.com"}, tmp_path)
    assert result.returncode != 0
    assert "needs DJANGO_SECRET_KEY and PORTAL_SECRET_KEYS" in result.stderr
    assert not (tmp_path / "portal-secret-keys").exists()


def test_production_starts_with_keys_from_the_environment(tmp_path):
    env = {
        "DJANGO_DEBUG": "0",
        "ALLOWED_HOSTS": "portal.example.com",
        "DJANGO_SECRET_KEY": "x" * 50,
        "PORTAL_SECRET_KEYS": "a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleS0=",
    }
    result = _start(env, tmp_path)
    assert result.returncode == 0, result.stderr


def test_embedded_mode_generates_keys_once_in_the_data_folder(tmp_path):
    assert _start({}, tmp_path).returncode == 0
    first = (tmp_path / "portal-secret-keys").read_text()
    assert _start({}, tmp_path).returncode == 0
    assert (tmp_path / "portal-secret-keys").read_text() == first


def test_a_bad_boolean_fails_loudly(tmp_path):
    result = _start({"PORTAL_ALLOW_LOOPBACK_TARGETS": "maybe"}, tmp_path)
    assert result.returncode != 0
    assert "PORTAL_ALLOW_LOOPBACK_TARGETS='maybe' is not a boolean" in result.stderr


def test_booleans_read_the_documented_words(monkeypatch):
    for word, expected in [("1", True), ("yes", True), ("On", True), ("0", False), ("off", False), ("no", False)]:
        monkeypatch.setenv("X_FLAG", word)
        assert env_bool("X_FLAG", not expected) is expected


def test_nameservers_take_host_port_and_bracketed_ipv6(monkeypatch):
    monkeypatch.setenv("NS", "127.0.0.1:5353, 10.0.0.2,[::1]:5300,[2001:db8::53]")
    assert parse_nameservers("NS") == (("127.0.0.1", 5353), ("10.0.0.2", 53), ("::1", 5300), ("2001:db8::53", 53))
    monkeypatch.setenv("NS", "127.0.0.1:notaport")
    with pytest.raises(ImproperlyConfigured, match="not host"):
        parse_nameservers("NS")


def test_basic_auth_milestones_from_the_environment_are_checked_at_start(tmp_path):
    good = '[{"date": "2027-03-01", "what": "Removal announced", "source": "blog"}]'
    assert _start({"PORTAL_BASIC_AUTH_MILESTONES": good}, tmp_path).returncode == 0
    result = _start({"PORTAL_BASIC_AUTH_MILESTONES": '[{"date": "soon"}]'}, tmp_path)
    assert result.returncode != 0
    assert "PORTAL_BASIC_AUTH_MILESTONES: milestone 1" in result.stderr


def test_production_refuses_the_example_secret_key(tmp_path):
    env = {
        "DJANGO_DEBUG": "0",
        "ALLOWED_HOSTS": "portal.example.com",
        "DJANGO_SECRET_KEY": "change-me-to-50-random-characters",
        "PORTAL_SECRET_KEYS": "a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleS0=",
    }
    result = _start(env, tmp_path)
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_name_servers_must_be_addresses(monkeypatch):
    monkeypatch.setenv("NS", "localhost:5353")
    with pytest.raises(ImproperlyConfigured, match="not an IP address"):
        parse_nameservers("NS")


def test_malformed_milestones_are_a_system_error_that_names_the_milestone(settings):
    from portal.checks import basic_auth_milestones

    settings.PORTAL_BASIC_AUTH_MILESTONES = [{"date": "2027-03-01", "what": "ok"}, {"date": "2027-13-01", "what": "x"}]
    [error] = basic_auth_milestones(None)
    assert (error.id, error.level) == ("portal.E002", ERROR)
    assert error.msg.startswith("PORTAL_BASIC_AUTH_MILESTONES: milestone 2")
    settings.PORTAL_BASIC_AUTH_MILESTONES = [{"date": "2027-03-01", "what": "Removal announced"}]
    assert basic_auth_milestones(None) == []
    settings.PORTAL_BASIC_AUTH_MILESTONES = None
    assert basic_auth_milestones(None) == []


def test_unset_or_empty_milestones_mean_microsofts_announced_dates_everywhere(settings):
    from connectors.retirement import DEFAULT_MILESTONES
    from diagnostics.milestones import configured_milestones

    for unset in (None, []):
        settings.PORTAL_BASIC_AUTH_MILESTONES = unset
        assert configured_milestones() == DEFAULT_MILESTONES
    settings.PORTAL_BASIC_AUTH_MILESTONES = [{"date": "2027-07-01", "what": "b"}, {"date": "2027-01-01", "what": "a"}]
    assert [m.what for m in configured_milestones()] == ["a", "b"]


def test_a_run_heartbeat_below_one_second_fails_loudly(tmp_path):
    result = _start({"PORTAL_RUN_HEARTBEAT": "0"}, tmp_path)
    assert result.returncode != 0
    assert "PORTAL_RUN_HEARTBEAT=0 must be at least 1" in result.stderr


def _generate_at_once(path: str, barrier, results) -> None:
    from portal.env import generated_secret, new_django_key

    barrier.wait()
    results.put(generated_secret(Path(path), new_django_key))


def test_processes_that_start_together_on_an_empty_folder_agree_on_one_key(tmp_path):
    """Web, worker and beat start at once after `make run` on a fresh folder: none may fail, all share a key."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(8), context.Queue()
    path = tmp_path / "data" / "django-secret-key"
    processes = [context.Process(target=_generate_at_once, args=(str(path), barrier, results)) for _ in range(8)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)
    assert [process.exitcode for process in processes] == [0] * 8
    keys = {results.get(timeout=5) for _ in processes}
    assert keys == {path.read_text()}
    assert len(path.read_text()) > 40
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["django-secret-key"]  # no drafts left behind


def test_without_hard_links_the_first_process_writes_the_key_and_the_others_read_it(tmp_path, monkeypatch):
    """Some network shares refuse hard links: the key is then created once with O_EXCL, and still agreed on."""
    from portal.env import generated_secret

    def refused(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", refused)
    path = tmp_path / "data" / "portal-secret-keys"
    first = generated_secret(path, lambda: "first-key")
    assert first == "first-key" and generated_secret(path, lambda: "second-key") == "first-key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["portal-secret-keys"]
