"""Scheduled checks: each system on its own interval, spread over it, never two runs of a system at once, and
backing off after a failed sign-in (SMTP AUTH attempts are precious: Exchange Online throttles and locks out).

One beat task a minute calls ``enqueue_due`` (``portal.tasks.enqueue_due_checks_task``): one query reads what it
needs of every system, and the systems due get a run on their zone's queue. ``benchmarks/scheduler_at_scale.py``
measured it against django-celery-beat's database scheduler at 5,000 systems; the README says why this one.

When a system is due: its checks fall at fixed moments, ``offset + k × interval``, the offset a stable hash of
its id. So 5,000 hourly systems start a few a minute, never all at the full hour, and a system that was checked
by hand in between waits for its next moment. A system never checked is due at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from diagnostics.findings import Status
from diagnostics.models import CheckResult, DiagnosticRun
from portal.models import MailSetup, SapSystem
from portal.runs import create_runs

DEFAULT = "default"  # the key of PORTAL_CHECK_INTERVALS for every landscape role not named
FALLBACK_MINUTES = 60
# How long scheduled checks wait after the 1st, 2nd, 3rd, 4th and later failed sign-in in a row.
BACKOFF_STEPS = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=16), timedelta(hours=24))
SIGN_IN_CHECKS = ("smtp.auth", "oauth.token")  # a failure here is a failed sign-in (the stored results say so)
_SPREAD = 2654435761  # Knuth's multiplicative hash: consecutive ids land far apart within the interval

State = DiagnosticRun.State


# -- intervals --------------------------------------------------------------------------------------
def role_minutes(role: str) -> int:
    """The configured default of a landscape role (PORTAL_CHECK_INTERVALS), in minutes."""
    intervals = settings.PORTAL_CHECK_INTERVALS
    return intervals.get(role) or intervals.get(DEFAULT) or FALLBACK_MINUTES


def interval_of(system: SapSystem) -> timedelta:
    return timedelta(minutes=system.check_interval or role_minutes(system.role))


def interval_minutes() -> Coalesce:
    """The same in the database, for a queryset of systems: its own minutes, else its role's default."""
    roles = [When(role=role, then=Value(minutes)) for role, minutes in settings.PORTAL_CHECK_INTERVALS.items()]
    by_role = Case(*roles, default=Value(role_minutes("")), output_field=IntegerField())
    return Coalesce(F("check_interval"), by_role, output_field=IntegerField())


def last_slot(system_id: int, interval: timedelta, now: datetime) -> datetime:
    """The latest moment at or before ``now`` when the system's check fell due."""
    period = max(1, int(interval.total_seconds()))
    offset = (system_id * _SPREAD) % period
    stamp = int(now.timestamp())
    return datetime.fromtimestamp(stamp - (stamp - offset) % period, tz=UTC)


def next_slot(system_id: int, interval: timedelta, after: datetime) -> datetime:
    """The first moment after ``after`` when the system's check falls due."""
    return last_slot(system_id, interval, after) + interval


# -- back-off after a failed sign-in ------------------------------------------------------------------
@dataclass(frozen=True)
class BackOff:
    failures: int  # failed sign-ins in a row (scheduled runs, or the one a person started last)
    since: datetime  # when the latest one finished
    until: datetime  # no scheduled check before this
    check: str  # smtp.auth or oauth.token
    code: str


def backoff_step(failures: int) -> timedelta:
    return BACKOFF_STEPS[min(failures, len(BACKOFF_STEPS)) - 1]


def backoff_of(system: SapSystem) -> BackOff | None:
    """The back-off of a system whose latest runs failed to sign in, read from the stored results.

    Counted newest first over finished runs started after the mail setup was last saved (a changed setup
    deserves a try at once); a run a person started counts and ends the count (their click is a fresh
    start). None when the latest finished run signed in, or there is none.
    """
    setup = _saved_setup(system)
    runs = DiagnosticRun.objects.filter(system_id=system.pk, state=State.DONE)
    if setup is not None:
        runs = runs.filter(created_at__gt=setup.updated_at)
    sign_in = CheckResult.objects.filter(run=OuterRef("pk"), key__in=SIGN_IN_CHECKS, status=Status.FAIL)
    sign_in = sign_in.order_by("position", "id")
    recent = runs.annotate(
        sign_in_check=Subquery(sign_in.values("key")[:1]), sign_in_code=Subquery(sign_in.values("code")[:1])
    ).order_by("-finished_at", "-id")[: len(BACKOFF_STEPS)]
    failures, latest = 0, None
    for run in recent:
        if run.sign_in_check is None:
            break
        failures += 1
        latest = latest or run
        if run.trigger != DiagnosticRun.Trigger.SCHEDULE:
            break
    if latest is None:
        return None
    since = latest.finished_at or latest.created_at
    return BackOff(failures, since, since + backoff_step(failures), latest.sign_in_check, latest.sign_in_code or "")


def _saved_setup(system: SapSystem) -> MailSetup | None:
    """The system's stored mail setup (a page may hang a new, unsaved one on the system)."""
    setup = getattr(system, "mail_setup", None)
    return setup if setup is not None and setup.pk is not None else None


# -- what is due ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NextCheck:
    at: datetime
    due: bool  # its moment has passed: beat starts it within PORTAL_SCHEDULE_TICK (if beat runs)
    interval: timedelta
    own_interval: bool  # the system's own, not its landscape role's default
    backoff: BackOff | None
    busy: bool  # a run is queued or running: the schedule waits for it

    @property
    def every(self) -> str:
        return duration_words(self.interval)

    @property
    def waits(self) -> str:
        """How long the back-off waits after the latest failed sign-in ("4 h")."""
        return duration_words(backoff_step(self.backoff.failures)) if self.backoff else ""


def duration_words(span: timedelta) -> str:
    """ "15 min", "1 h", "2 h 30 min", "24 h"."""
    minutes = int(span.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)


def next_check(system: SapSystem, latest: DiagnosticRun | None = None, now: datetime | None = None) -> NextCheck | None:
    """When the schedule checks this system next; None for a system without a mail setup.

    ``latest``: the system's newest run, when the caller has it already (a query less).
    """
    if _saved_setup(system) is None:
        return None
    now = now or timezone.now()
    interval = interval_of(system)
    latest = latest or DiagnosticRun.objects.filter(system_id=system.pk).order_by("-created_at", "-id").first()
    at = next_slot(system.pk, interval, latest.created_at) if latest else now
    backoff = backoff_of(system)
    if backoff is not None and backoff.until > at:
        at = backoff.until
    busy = latest is not None and latest.state in (State.QUEUED, State.RUNNING)
    return NextCheck(at, at <= now, interval, bool(system.check_interval), backoff, busy)


def _schedule_rows() -> list[dict]:
    """What deciding needs of every system with a mail setup, in one query."""
    runs = DiagnosticRun.objects.filter(system=OuterRef("pk"))
    latest_done = runs.filter(state=State.DONE).order_by("-finished_at", "-id").values("pk")[:1]
    failed_sign_in = CheckResult.objects.filter(
        run_id=OuterRef("last_done_id"), key__in=SIGN_IN_CHECKS, status=Status.FAIL
    )
    return list(
        SapSystem.objects.filter(mail_setup__isnull=False)
        .annotate(
            minutes=interval_minutes(),
            last_started=Subquery(runs.order_by("-created_at", "-id").values("created_at")[:1]),
            busy=Exists(runs.filter(state__in=(State.QUEUED, State.RUNNING))),
            last_done_id=Subquery(latest_done),
        )
        .annotate(failed_sign_in=Exists(failed_sign_in))
        .values("pk", "minutes", "last_started", "busy", "failed_sign_in")
    )


def due_ids(now: datetime | None = None) -> list[int]:
    """The systems whose check is due now: their moment has come since their latest run started, no run of
    theirs is queued or running, and they are not backing off after a failed sign-in."""
    now = now or timezone.now()
    due, backing_off = [], []
    for row in _schedule_rows():
        if row["busy"]:
            continue
        started = row["last_started"]
        if started is not None and last_slot(row["pk"], timedelta(minutes=row["minutes"]), now) <= started:
            continue
        (backing_off if row["failed_sign_in"] else due).append(row["pk"])
    for system in SapSystem.objects.filter(pk__in=backing_off).select_related("mail_setup"):
        backoff = backoff_of(system)
        if backoff is None or backoff.until <= now:
            due.append(system.pk)
    return due


def enqueue_due(enqueue: Callable[[DiagnosticRun], None], now: datetime | None = None) -> int:
    """Open a scheduled run for every system due and hand each to ``enqueue`` (its zone's queue); how many.

    A scheduled run never sends a test message (no recipient: the plan has no send.test).
    """
    ids = due_ids(now)
    if not ids:
        return 0
    systems = SapSystem.objects.filter(pk__in=ids).select_related("mail_setup")
    opened = create_runs(systems, trigger=DiagnosticRun.Trigger.SCHEDULE, requeue=enqueue)
    started = [run for run, created in opened.values() if created]
    for run in started:
        enqueue(run)
    return len(started)
