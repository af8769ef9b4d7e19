"""Scheduled checks with real processes: celery beat ticking every second and real workers running the demo
fleet against the lab, with Redis (runs routed to their zone's queue) and with the embedded filesystem broker.

Every demo system is checked every minute here (its own interval, set below the portal's minimum so the test
takes one interval). Each was just checked when beat starts, so each comes due at its own moment, spread over
the minute by a hash of its id; one (DEV/300) failed to sign in two minutes ago and backs off for an hour.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from lab import Lab
from lab.demo import demo_csv
from portal.models import MailSetup, SapSystem
from portal.schedule import next_slot
from portal.system_import import import_systems
from tests.support.pages import finished_run
from tests.support.workers import lab_env, start_beat, start_worker, stop_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]

INTERVAL = timedelta(minutes=1)
LATE = 12.0  # seconds a scheduled run may start after its moment: a 1 s tick, the queue, a loaded machine


@pytest.fixture
def fleet(lab: Lab) -> Iterator[tuple[list[SapSystem], SapSystem]]:
    """The demo systems, each just checked (passed) at t0; DEV/300 backing off after a failed sign-in."""
    import_systems(demo_csv(lab.ports))
    SapSystem.objects.update(check_interval=1)
    earlier = timezone.now() - timedelta(days=1)
    MailSetup.objects.update(updated_at=earlier)  # the setups predate every run
    backing_off = SapSystem.objects.get(sid="DEV", client="300")
    SapSystem.objects.filter(sid="PRD", client="100").update(zone="dmz")
    t0 = timezone.now()
    for system in SapSystem.objects.exclude(pk=backing_off.pk):
        finished_run(system, "passed", at=t0)
    finished_run(backing_off, "failed", at=t0 - timedelta(minutes=2), key="smtp.auth", code="5.7.139")
    yield list(SapSystem.objects.exclude(pk=backing_off.pk)), backing_off


def _processes(lab: Lab, tmp_path: Path, broker: dict[str, str]) -> list:
    env = {**lab_env(lab), **broker, "PORTAL_SCHEDULE_TICK": "1", "PORTAL_CHECK_TIMEOUT": "2"}
    # The worker's shape in make run's Procfile (threads, 16): beat's tick is a task too, and with three prefork
    # processes it waited behind three diagnoses that each sat out a 2 s timeout or two, up to 15 s late.
    processes = [start_worker({**env, "PORTAL_WORKER_NAME": "default-worker"}, tmp_path / "worker.log",
                              pool="threads", concurrency=16)]  # fmt: skip
    if broker.get("PORTAL_ROUTE_BY_ZONE") == "1":
        zone_env = {**env, "PORTAL_WORKER_NAME": "dmz-worker", "PORTAL_ZONE": "dmz"}
        processes.append(start_worker(zone_env, tmp_path / "dmz-worker.log", queues="zone.dmz"))
    processes.append(start_beat(env, tmp_path / "beat.log", tmp_path / "beat-schedule"))
    return processes


def _logs(tmp_path: Path) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in tmp_path.glob("*.log"))


@pytest.mark.parametrize("broker", ["redis", "embedded"])
def test_due_systems_are_enqueued_once_each_at_their_own_moment_and_a_failed_sign_in_backs_off(
    lab, fleet, tmp_path, redis_url, broker
):
    systems, backing_off = fleet
    if broker == "redis":
        settings_env = {"REDIS_URL": redis_url, "PORTAL_ROUTE_BY_ZONE": "1"}
    else:
        settings_env = {"REDIS_URL": "", "PORTAL_DATA_DIR": str(tmp_path / "data"), "PORTAL_ROUTE_BY_ZONE": "0"}
    seeded = {system.pk: system.runs.get().created_at for system in systems}
    moments = {pk: next_slot(pk, INTERVAL, created) for pk, created in seeded.items()}
    processes = _processes(lab, tmp_path, settings_env)
    try:
        end = max(moments.values()) + timedelta(seconds=LATE)
        while timezone.now() < end:
            assert all(process.poll() is None for process in processes), _logs(tmp_path)
            time.sleep(1)
        deadline = time.monotonic() + 60  # let the last runs finish
        while DiagnosticRun.objects.exclude(state__in=("done", "aborted")).exists():
            assert time.monotonic() < deadline, _logs(tmp_path)
            time.sleep(0.5)
    finally:
        for process in processes:
            stop_worker(process)
    scheduled = DiagnosticRun.objects.filter(trigger="schedule")
    for system in systems:
        runs = list(scheduled.filter(system=system, created_at__gt=seeded[system.pk]).order_by("created_at"))
        # Once per moment that came: its first, and its next only if that came before the end (a system that
        # failed to sign in on its first skips the next: it backs off for an hour).
        second_came = moments[system.pk] + INTERVAL <= end
        assert 1 <= len(runs) <= 1 + second_came, (system, [run.created_at for run in runs], _logs(tmp_path))
        for number, run in enumerate(runs):
            moment = moments[system.pk] + number * INTERVAL
            assert 0 <= (run.created_at - moment).total_seconds() <= LATE, (system, moment, run.created_at)
            assert run.state == "done" and run.send_to == "" and "send.test" not in run.planned_checks
    assert len({moment.replace(microsecond=0) for moment in moments.values()}) >= len(systems) // 2  # spread
    assert scheduled.filter(system=backing_off).count() == 1  # only the failed sign-in it started with
    zone_run = scheduled.filter(system__sid="PRD", system__client="100").latest("created_at")
    assert zone_run.worker == ("dmz-worker" if broker == "redis" else "default-worker")
