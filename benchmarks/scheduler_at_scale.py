"""Which scheduler for 5,000 systems: one beat task that enqueues what is due (portal/schedule.py, what the portal
uses), or django-celery-beat's database scheduler with one periodic task per system (on demand, never in CI;
tests/benchmarks/test_benchmarks_run.py runs it on a tiny fleet so it cannot rot).

    .venv/bin/python benchmarks/scheduler_at_scale.py --systems 5000

A fresh SQLite database in a temporary folder (``--database-url`` for another) holds ``--systems`` systems, a
quarter each production (15 min), quality assurance, development and sandbox (hourly), each checked last at its
latest moment (the steady state of the one-task scheduler; the periodic tasks get the same last run). Then:

- our beat task: the time and queries of one look (``due_ids``), and one simulated hour, minute by minute, with
  runs opened for what is due (``create_runs``, as ``enqueue_due`` does) and marked done: how many per minute
  (the spread) and whether each system came exactly once per interval;
- django-celery-beat 2.9 (requirements-dev.txt): the rows it needs (a PeriodicTask per system), the scheduler's
  start (it reads them all), a tick, and the reload of every entry that follows any change of one task (a new
  system, a changed interval), with the queries each makes.

Both print their process's RSS growth. Figures go to standard output as one JSON object per scheduler.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ROLES = ("PRD", "QAS", "DEV", "SBX")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(work):  # noqa: ANN001, ANN201
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - began
    return result, seconds, len(queries)


def setup_fleet(count: int) -> None:
    from django.utils import timezone

    from diagnostics.models import DiagnosticRun
    from portal.models import MailSetup, SapSystem
    from portal.schedule import interval_of, last_slot

    systems = SapSystem.objects.bulk_create(
        SapSystem(sid=f"{chr(65 + i // 100)}{i % 100:02d}", client=f"{i // 2600:03d}", role=ROLES[i % 4])
        for i in range(count)
    )
    MailSetup.objects.bulk_create(MailSetup(system=system, option="oauth2", cloud="lab") for system in systems)
    MailSetup.objects.update(updated_at=timezone.now() - timedelta(days=1))
    now = timezone.now()
    runs = []
    for system in systems:
        at = last_slot(system.pk, interval_of(system), now) + timedelta(seconds=1)
        runs.append(DiagnosticRun(system=system, option="oauth2", trigger="schedule", state="done",
                                  verdict="passed", started_at=at, finished_at=at))  # fmt: skip
    created = DiagnosticRun.objects.bulk_create(runs)
    for run in created:  # created_at is auto_now_add: date it back as the run's start
        run.created_at = run.started_at
    DiagnosticRun.objects.bulk_update(created, ["created_at"], batch_size=500)


def ours(count: int) -> dict[str, object]:
    from django.utils import timezone

    from diagnostics.models import DiagnosticRun
    from portal.models import SapSystem
    from portal.runs import create_runs
    from portal.schedule import due_ids

    before = rss_mib()
    looks = [timed(due_ids) for _ in range(10)]
    look_seconds = sorted(seconds for _, seconds, _ in looks)
    per_minute, seen = [], {}
    start, tick_seconds = timezone.now(), []
    for minute in range(1, 61):
        now = start + timedelta(minutes=minute)

        def tick(now=now) -> list[int]:  # noqa: ANN001
            ids = due_ids(now)
            opened = create_runs(SapSystem.objects.filter(pk__in=ids).select_related("mail_setup"), trigger="schedule")
            return [run.pk for run, created in opened.values() if created]

        run_ids, seconds, _ = timed(tick)
        tick_seconds.append(seconds)
        DiagnosticRun.objects.filter(pk__in=run_ids).update(
            state="done", verdict="passed", created_at=now, started_at=now, finished_at=now
        )
        per_minute.append(len(run_ids))
        for system_id in DiagnosticRun.objects.filter(pk__in=run_ids).values_list("system_id", flat=True):
            seen[system_id] = seen.get(system_id, 0) + 1
    expected = {pk: 60 // (15 if role == "PRD" else 60) for pk, role in SapSystem.objects.values_list("pk", "role")}
    off = sum(1 for pk, times in expected.items() if abs(seen.get(pk, 0) - times) > 0)
    return {
        "scheduler": "one beat task (portal/schedule.py)", "systems": count,
        "look_median_ms": round(statistics.median(look_seconds) * 1000, 1),
        "look_max_ms": round(look_seconds[-1] * 1000, 1), "queries_per_look": looks[0][2],
        "tick_with_enqueue_median_ms": round(statistics.median(tick_seconds) * 1000, 1),
        "tick_with_enqueue_max_ms": round(max(tick_seconds) * 1000, 1),
        "runs_in_the_hour": sum(per_minute), "runs_expected": sum(expected.values()),
        "per_minute_min": min(per_minute), "per_minute_max": max(per_minute),
        "per_minute_mean": round(statistics.mean(per_minute), 1),
        "systems_not_checked_exactly_once_per_interval": off,
        "rss_growth_mib": round(rss_mib() - before, 1),
    }  # fmt: skip


def celery_beat(count: int) -> dict[str, object]:
    from django.utils import timezone
    from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks
    from django_celery_beat.schedulers import DatabaseScheduler

    from portal.celery import app
    from portal.models import SapSystem
    from portal.schedule import last_slot, role_minutes

    app.conf.broker_url = "memory://"  # what beat sends goes nowhere: the scheduler is what is measured
    app.conf.beat_schedule = {}
    intervals = {minutes: IntervalSchedule.objects.create(every=minutes, period=IntervalSchedule.MINUTES)
                 for minutes in {role_minutes(role) for role in ROLES}}  # fmt: skip
    now = timezone.now()

    def rows() -> None:
        PeriodicTask.objects.bulk_create(
            PeriodicTask(name=f"check {pk}", task="portal.tasks.check_system_task", args=json.dumps([pk]),
                         interval=intervals[role_minutes(role)],
                         last_run_at=last_slot(pk, timedelta(minutes=role_minutes(role)), now))
            for pk, role in SapSystem.objects.values_list("pk", "role")
        )  # fmt: skip
        PeriodicTasks.update_changed()

    before = rss_mib()
    _, rows_seconds, rows_queries = timed(rows)
    scheduler, start_seconds, start_queries = timed(lambda: DatabaseScheduler(app=app, lazy=False))
    loaded = rss_mib()
    ticks = [timed(scheduler.tick) for _ in range(20)]
    tick_seconds = sorted(seconds for _, seconds, _ in ticks)
    changes = []
    for _ in range(5):  # a changed interval, a new system: beat reads every entry again at its next tick
        task = (
            PeriodicTask.objects.filter(name__startswith="check ").order_by("?").first()
        )  # a system's, not beat's own
        task.interval = intervals[15]
        task.save()
        time.sleep(0.01)
        changes.append(timed(scheduler.tick))
    change_seconds = sorted(seconds for _, seconds, _ in changes)
    return {
        "scheduler": "django-celery-beat DatabaseScheduler", "systems": count,
        "periodic_task_rows": PeriodicTask.objects.count(), "rows_create_ms": round(rows_seconds * 1000),
        "rows_create_queries": rows_queries,
        "start_ms": round(start_seconds * 1000), "start_queries": start_queries,
        "tick_median_ms": round(statistics.median(tick_seconds) * 1000, 1),
        "tick_max_ms": round(tick_seconds[-1] * 1000, 1), "queries_per_tick_max": max(q for _, _, q in ticks),
        "tick_after_a_change_median_ms": round(statistics.median(change_seconds) * 1000),
        "queries_after_a_change": max(q for _, _, q in changes),
        "rss_growth_mib": round(rss_mib() - before, 1), "rss_growth_at_start_mib": round(loaded - before, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=5000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--only", choices=["ours", "celery-beat"], default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="scheduler-bench-"))
    os.environ.update({
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'scheduler.sqlite3'}",
        "PORTAL_DATA_DIR": str(workdir / "data"), "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings_with_beat",
    })  # fmt: skip
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.getLogger("celery.beat").setLevel(logging.WARNING)  # a line per task sent
    setup_fleet(args.systems)
    if args.only in (None, "ours"):
        print(json.dumps(ours(args.systems)))
    if args.only in (None, "celery-beat"):
        print(json.dumps(celery_beat(args.systems)))


if __name__ == "__main__":
    main()
