"""docker-compose.yml cannot be run here (no Docker engine); these keep it honest."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_web_worker_beat_redis_and_postgres():
    services = _compose()["services"]
    assert {"web", "worker", "beat", "redis", "db"} <= set(services)
    assert "gunicorn portal.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A portal worker")
    assert services["beat"]["command"].startswith("celery -A portal beat")
    assert services["db"]["image"].startswith("postgres")


def test_each_zone_worker_consumes_its_own_queue():
    services = _compose()["services"]
    for name, service in services.items():
        zone = (service.get("environment") or {}).get("PORTAL_ZONE")
        if zone:
            assert f"--queues=zone.{zone}" in service["command"], name


def test_every_setting_the_compose_file_uses_is_documented():
    documented = {
        line.split("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    readme = (ROOT / "README.md").read_text()
    for name in documented:
        assert f"`{name}`" in readme, f"{name} is missing from the README's settings table"
    for service in _compose()["services"].values():
        for name in service.get("environment") or {}:
            if name.startswith(("PORTAL_", "DJANGO_", "DATABASE_", "REDIS_")):
                assert name in documented, name


def test_the_procfile_runs_the_same_programs_as_compose():
    procfile = (ROOT / "Procfile").read_text()
    assert "celery -A portal worker" in procfile
    assert "celery -A portal beat" in procfile
    assert "manage.py lab" in procfile
