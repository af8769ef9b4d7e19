"""The one diagnostics module that touches the ORM: runs a plan for a run row and saves its results as they
finish (in batches, at most every RESULTS_EVERY seconds), and makes sure every run ends.

It never reads a mail setup or decrypts a secret: the caller (portal) hands it the run's Target through
``prepare``. A run being executed refreshes ``heartbeat_at`` every PORTAL_RUN_HEARTBEAT seconds; a run
whose executor stopped (no heartbeat for three periods, or a process of this host that no longer
exists) is taken over by the next delivery or sweep, or ended with a note that names who was lost.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from connectors.config import MailConfig
from connectors.registry import OPTIONS
from diagnostics.context import DEFAULT_DNSBL_ZONES, Environment, RunContext, Target
from diagnostics.engine import run_plan
from diagnostics.findings import Finding, Status
from diagnostics.milestones import configured_milestones
from diagnostics.models import CheckResult, DiagnosticRun, TestSend

logger = logging.getLogger(__name__)

State = DiagnosticRun.State
MAX_ATTEMPTS = 3  # a run whose executor died this often is ended: it may be what kills them
STALE_HEARTBEATS = 3  # missed heartbeats after which an executor counts as gone
# A run's results are saved in batches at most this often (seconds), not one INSERT per check: a page
# following the run still sees them within half a second, and a sweep of many systems spends its CPU on
# the checks rather than on the database (benchmarks/RESULTS.md).
RESULTS_EVERY = 0.5

WORKER, COMMAND = "worker", "command"


class RunRefused(Exception):
    """The run cannot start (no setup, an unreadable secret…); the message becomes the run's note."""


Prepare = Callable[[DiagnosticRun], Target]
Requeue = Callable[[DiagnosticRun], None]


def environment(zone: str = "", *, scheduled: bool = False) -> Environment:
    """The diagnostics' view of the settings (PORTAL_*), for the worker running in ``zone``. A scheduled run may
    use DNS answers other runs of this process got in the last PORTAL_DNS_REUSE seconds; a run a person started
    asks the name servers again (they may just have fixed a record), and its answers replace the shared ones."""
    return Environment(
        dns_reuse=float(settings.PORTAL_DNS_REUSE),
        dns_fresh=not scheduled,
        nameservers=settings.PORTAL_DNS_NAMESERVERS,
        extra_ca_bundle=settings.PORTAL_EXTRA_CA_BUNDLE,
        login_base=settings.PORTAL_LOGIN_AUTHORITY_HOST,
        allow_loopback=settings.PORTAL_ALLOW_LOOPBACK_TARGETS,
        allowed_ports=settings.PORTAL_ALLOWED_PORTS,
        https_proxy=settings.PORTAL_HTTPS_PROXY,
        dnsbl_zones=tuple(settings.PORTAL_DNSBL_ZONES) or DEFAULT_DNSBL_ZONES,
        milestones=configured_milestones(),
        timeout=float(settings.PORTAL_CHECK_TIMEOUT),
        worker=settings.PORTAL_WORKER_NAME,
        zone=zone,
    )


# -- who executes a run ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Executor:
    """The process executing a run: a Celery worker's or the diagnose command's, on some host."""

    kind: str  # WORKER or COMMAND
    host: str
    pid: int
    pid_space: str  # containers on one host name may each have their own process ids
    token: str  # tells two claims of one process apart

    @classmethod
    def here(cls, kind: str) -> Executor:
        return cls(kind, socket.gethostname(), os.getpid(), _pid_space(), uuid.uuid4().hex[:12])

    @classmethod
    def parse(cls, claim: str) -> Executor | None:
        try:
            kind, where, pid_space, token = claim.split(" ")
            pid, host = where.split("@", 1)
            return cls(kind, host, int(pid), pid_space, token)
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.kind} {self.pid}@{self.host} {self.pid_space} {self.token}"

    def is_gone(self) -> bool:
        """True only when provable: the process ran here (this host, these process ids) and no longer
        exists, or is a zombie its parent has not reaped yet. Elsewhere only the heartbeat can tell."""
        if (self.host, self.pid_space) != (socket.gethostname(), _pid_space()):
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return False
        return state in ("Z", "X")


def _pid_space() -> str:
    """This process's pid namespace ("4026531836"); "-" where /proc does not say."""
    try:
        return os.readlink("/proc/self/ns/pid").removeprefix("pid:[").removesuffix("]")
    except OSError:
        return "-"


def heartbeat_period() -> float:
    return float(settings.PORTAL_RUN_HEARTBEAT)


def stale_after() -> timedelta:
    """A running run without a heartbeat for this long has lost its executor."""
    return timedelta(seconds=heartbeat_period() * STALE_HEARTBEATS)


def _last_sign_of_life(run: DiagnosticRun) -> datetime:
    return run.heartbeat_at or run.started_at or run.created_at


def is_orphaned(run: DiagnosticRun) -> bool:
    """A running run whose executor is gone: silent for too long, or a process of this host that died."""
    if run.state != State.RUNNING:
        return False
    if _last_sign_of_life(run) < timezone.now() - stale_after():
        return True
    executor = Executor.parse(run.claimed_by)
    return executor is not None and executor.is_gone()


def lost_note(run: DiagnosticRun) -> str:
    """Who was lost, in words: a worker, or the diagnose command (which is never a worker's fault)."""
    executor = Executor.parse(run.claimed_by)
    where = f"process {executor.pid} on {executor.host}" if executor else "process unknown"
    if executor and executor.kind == COMMAND:
        return f"The diagnose command ({where}) was interrupted before the run finished; run it again."
    return (
        f"The worker {run.worker or '(unknown)'} ({where}) was lost during the run; it was started "
        f"{run.attempts} times without finishing, so it was ended. Run the checks again."
    )


# -- creating and joining runs --------------------------------------------------------------------
def active_run(system_id: int, *, send_to: str = "") -> DiagnosticRun | None:
    """A run of this system still queued or running with a live executor, that a new request can join."""
    unfinished = DiagnosticRun.objects.filter(
        system_id=system_id, send_to=send_to, state__in=(State.QUEUED, State.RUNNING)
    ).order_by("-created_at")
    return next((run for run in unfinished if not is_orphaned(run)), None)


def open_run(
    system_id: int,
    config: MailConfig,
    *,
    trigger: str,
    user: Any = None,
    send_to: str = "",
    subject: str = "",
    requeue: Requeue | None = None,
) -> DiagnosticRun:
    """A queued run with its planned checks, so a page can show progress from the first second.

    While a run of the system is still queued or running, that run is returned instead: a second
    click must not open a second SMTP connection to the same mailbox (Exchange Online allows three
    per mailbox, and SAP needs them) nor repeat a failing login. A run whose executor is gone is
    never joined: it is recovered first (queued again or ended).
    """
    for run in DiagnosticRun.objects.filter(system_id=system_id, send_to=send_to, state=State.RUNNING):
        if is_orphaned(run):
            recover(run, requeue)
    existing = active_run(system_id, send_to=send_to)
    if existing is not None:
        _take_over_schedule([existing], trigger=trigger, user=user)
        return existing
    plan = OPTIONS[config.option].plan(config, send_to=send_to or None)
    return DiagnosticRun.objects.create(
        system_id=system_id,
        option=config.option,
        trigger=trigger,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        send_to=send_to,
        subject=subject if send_to else "",
        zone=config.zone,
        planned_checks=[item.key for item in plan],
    )


def open_runs(
    configs: dict[int, MailConfig], *, trigger: str, user: Any = None, requeue: Requeue | None = None
) -> dict[int, tuple[DiagnosticRun, bool]]:
    """``open_run`` for many systems at once (a fleet run, the schedule), in a few queries: per system id,
    its live run joined (False) or a new queued one (True). Never a test message: ``send_to`` stays empty."""
    live: dict[int, DiagnosticRun] = {}
    unfinished = DiagnosticRun.objects.filter(
        system_id__in=list(configs), send_to="", state__in=(State.QUEUED, State.RUNNING)
    )
    for run in unfinished.order_by("-created_at", "-id"):
        if is_orphaned(run) and not (recover(run, requeue) and run.state == State.QUEUED):
            continue  # ended (or someone else recovered it): not joinable
        live.setdefault(run.system_id, run)
    _take_over_schedule(list(live.values()), trigger=trigger, user=user)
    requested_by = user if getattr(user, "is_authenticated", False) else None
    new = [
        DiagnosticRun(
            system_id=system_id,
            option=config.option,
            trigger=trigger,
            requested_by=requested_by,
            zone=config.zone,
            planned_checks=[item.key for item in OPTIONS[config.option].plan(config)],
        )
        for system_id, config in configs.items()
        if system_id not in live
    ]
    created = {run.system_id: run for run in DiagnosticRun.objects.bulk_create(new)}
    return {
        system_id: (live[system_id], False) if system_id in live else (created[system_id], True)
        for system_id in configs
    }


def _take_over_schedule(runs: list[DiagnosticRun], *, trigger: str, user: Any) -> None:
    """A person (or the diagnose command) who asks for a system whose scheduled run is still queued joins that
    run and makes it theirs: it then counts as theirs (back-off) and asks the name servers afresh instead of
    reusing other runs' DNS answers (they may just have fixed a record). A run already claimed stays as it is."""
    if trigger == DiagnosticRun.Trigger.SCHEDULE:
        return
    waiting = [run for run in runs if run.state == State.QUEUED and run.trigger == DiagnosticRun.Trigger.SCHEDULE]
    if not waiting:
        return
    requested_by = user if getattr(user, "is_authenticated", False) else None
    mine = DiagnosticRun.objects.filter(
        pk__in=[run.pk for run in waiting], state=State.QUEUED, trigger=DiagnosticRun.Trigger.SCHEDULE
    )
    taken = set(mine.values_list("pk", flat=True))
    mine.filter(pk__in=taken).update(trigger=trigger, requested_by=requested_by)
    for run in waiting:
        if run.pk in taken:
            run.trigger, run.requested_by = trigger, requested_by


# -- executing a run ------------------------------------------------------------------------------
def execute_run(run_id: int, prepare: Prepare, *, kind: str = WORKER) -> DiagnosticRun | None:
    """Claim a run and execute its plan here, saving results as checks finish (in batches); None if not claimed.

    Whatever happens, the run ends done or aborted (with the reason in ``note``): a page never polls
    a run that no one will finish. A database error is handed back for a retry. A worker interrupted
    by its own shutdown leaves the run to be taken over; the command interrupted ends it.
    """
    executor = Executor.here(kind)
    run = _claim(run_id, executor)
    if run is None:
        return None
    heartbeat = _Heartbeat(run.pk, str(executor))
    heartbeat.start()
    try:
        if run.attempts > 1:  # a run taken over after a lost executor starts from a clean slate
            _clear_results(run)
        findings = _diagnose(run, prepare(run), heartbeat.lost)
    except OperationalError:
        _release(run, str(executor))  # the database broke, not the mail setup: let the task retry
        raise
    except RunRefused as exc:
        return _end(run, str(executor), State.ABORTED, note=str(exc))
    except Exception as exc:  # noqa: BLE001 - a run must never stay "running"
        logger.exception("diagnostic run %s aborted by %s", run.pk, type(exc).__name__)
        note = f"The run stopped on an internal error ({type(exc).__name__}); run the checks again."
        return _end(run, str(executor), State.ABORTED, note=note)
    except BaseException:  # Ctrl-C (the diagnose command turns SIGTERM into one too), a worker's shutdown
        if kind == COMMAND:
            _end(run, str(executor), State.ABORTED, note=lost_note(run))
        raise
    finally:
        heartbeat.stop()
    run = _end(run, str(executor), State.DONE, verdict=verdict_of(findings))
    if run.state == State.DONE and run.claimed_by == str(executor):  # ended by us: these are the saved findings
        run.findings = findings
    return run


def _claim(run_id: int, executor: Executor) -> DiagnosticRun | None:
    """Only one process may run a run: a queued one, or one whose executor is gone (a takeover).

    The update is conditional on what was read (state, claim and heartbeat), so of two processes
    racing for the same run only one wins, and a live executor's fresh heartbeat keeps its run.
    """
    run = DiagnosticRun.objects.filter(pk=run_id).first()
    if run is None or run.is_finished:
        return None
    if run.state == State.RUNNING:
        if not is_orphaned(run):
            return None  # a duplicate delivery: someone alive is on it
        lost = Executor.parse(run.claimed_by)
        if (lost and lost.kind == COMMAND) or run.attempts >= MAX_ATTEMPTS:
            recover(run)  # ended, not taken over
            return None
    now = timezone.now()
    claim = {"state": State.RUNNING, "claimed_by": str(executor), "worker": settings.PORTAL_WORKER_NAME,
             "started_at": now, "heartbeat_at": now}  # fmt: skip
    if not _as_read(run).update(**claim, attempts=F("attempts") + 1):
        return None
    for name, value in {**claim, "attempts": run.attempts + 1}.items():  # what the row now holds: the update
        setattr(run, name, value)  # was conditional on the state, claim and heartbeat read, so none moved since
    return run


def _as_read(run: DiagnosticRun) -> Any:
    """The run, only if nobody changed its state, claim or heartbeat since it was read."""
    return DiagnosticRun.objects.filter(
        pk=run.pk, state=run.state, claimed_by=run.claimed_by, heartbeat_at=run.heartbeat_at
    )


class _Heartbeat(threading.Thread):
    """Refreshes the run's heartbeat while this process executes it; notices a lost claim.

    A thread, because a check may wait a whole timeout without a result to save. Its own database
    connection, closed when it stops.
    """

    def __init__(self, run_id: int, claim: str) -> None:
        super().__init__(name=f"run-{run_id}-heartbeat", daemon=True)
        self.run_id, self.claim = run_id, claim
        self.stopped, self.lost = threading.Event(), threading.Event()

    def run(self) -> None:
        beaten = False  # most runs end before the first beat: then this thread never opened a connection
        try:
            while not self.stopped.wait(heartbeat_period()):
                beaten = True
                try:
                    mine = DiagnosticRun.objects.filter(pk=self.run_id, state=State.RUNNING, claimed_by=self.claim)
                    if not mine.update(heartbeat_at=timezone.now()):
                        self.lost.set()  # taken over (we were silent too long) or ended by someone else
                        return
                except DatabaseError:
                    logger.warning("heartbeat of run %s not recorded", self.run_id, exc_info=True)
        finally:
            if beaten:
                connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=1.0)  # a heartbeat stuck on a locked database must not hold the run's end


def _diagnose(run: DiagnosticRun, target: Target, lost: threading.Event) -> list[Finding]:
    plan = OPTIONS[target.config.option].plan(target.config, send_to=run.send_to or None)
    positions = {item.key: index for index, item in enumerate(plan)}
    ctx = RunContext(target, environment(run.zone, scheduled=run.trigger == DiagnosticRun.Trigger.SCHEDULE))

    def save(batch: list[Finding]) -> None:
        if lost.is_set():
            return  # another process took the run over: its results count, not ours
        CheckResult.objects.bulk_create(
            CheckResult(
                run=run,
                key=finding.key,
                status=str(finding.status),
                code=finding.code or "",
                summary=finding.summary,
                explanation=finding.explanation,
                remedy=finding.remedy,
                evidence=finding.evidence,
                duration_ms=finding.duration_ms,
                position=positions.get(finding.key, 0),
            )
            for finding in batch
        )
        for finding in batch:
            if finding.key == "send.test" and finding.status != Status.SKIPPED:
                _save_test_send(run, finding)

    budget = float(settings.PORTAL_RUN_BUDGET)
    return run_plan(plan, ctx, _checks(), on_findings=save, report_every=RESULTS_EVERY, budget=budget)


def _clear_results(run: DiagnosticRun) -> None:
    run.results.all().delete()
    TestSend.objects.filter(run=run).delete()


def _release(run: DiagnosticRun, claim: str) -> bool:
    """Back to the queue (results cleared) if the run is still ours; True when it was."""
    with transaction.atomic():
        released = DiagnosticRun.objects.filter(pk=run.pk, state=State.RUNNING, claimed_by=claim).update(
            state=State.QUEUED, started_at=None, claimed_by=""
        )
        if released:
            _clear_results(run)
    return bool(released)


def _end(
    run: DiagnosticRun, claim: str, state: str, *, verdict: str = DiagnosticRun.Verdict.ERROR, note: str = ""
) -> DiagnosticRun:
    """Finish the run if it is still ours (a process that lost its claim must not overwrite the winner's)."""
    end = {"state": state, "verdict": verdict, "finished_at": timezone.now(), "note": note}
    if DiagnosticRun.objects.filter(pk=run.pk, state=State.RUNNING, claimed_by=claim).update(**end):
        for name, value in end.items():
            setattr(run, name, value)
    else:
        logger.warning("run %s was taken over or ended by another process; its end stays theirs", run.pk)
        run.refresh_from_db()
    return run


# -- runs nobody will finish ------------------------------------------------------------------------
def recover(run: DiagnosticRun, requeue: Requeue | None = None) -> bool:
    """Take an orphaned run out of "running": queue it again for another worker, or end it.

    A run the diagnose command was executing is ended (the command was interrupted, no worker is to
    blame); one started MAX_ATTEMPTS times is ended naming the lost worker; any other goes back to
    the queue, and ``requeue`` (the portal's enqueue) hands it to a worker. False when another
    process got there first (or the executor showed a sign of life meanwhile).
    """
    lost = Executor.parse(run.claimed_by)
    if (lost and lost.kind == COMMAND) or run.attempts >= MAX_ATTEMPTS:
        ended = _as_read(run).update(
            state=State.ABORTED, verdict=DiagnosticRun.Verdict.ERROR, finished_at=timezone.now(), note=lost_note(run)
        )
        if ended:
            logger.warning("run %s ended: %s", run.pk, lost_note(run))
        return bool(ended)
    if not _as_read(run).update(state=State.QUEUED, started_at=None, claimed_by=""):
        return False
    logger.warning("run %s queued again: its executor (%s) is gone", run.pk, run.claimed_by or "unknown")
    run.refresh_from_db()
    if requeue is not None:
        requeue(run)
    return True


def abandon(run_ids: list[int], note: str) -> int:
    """End runs that are still queued because whoever was to execute them gave up (an interrupted
    ``diagnose --all``); a run already claimed is left to its executor. Returns how many were ended."""
    return DiagnosticRun.objects.filter(pk__in=run_ids, state=State.QUEUED).update(
        state=State.ABORTED, verdict=DiagnosticRun.Verdict.ERROR, finished_at=timezone.now(), note=note
    )


def sweep_runs(requeue: Requeue | None = None) -> int:
    """Recover orphaned runs and end runs queued longer than PORTAL_QUEUE_TIMEOUT; returns how many.

    The wait of a queued run counts from its last sign of life, so a run queued again after a lost
    worker gets the whole timeout.
    """
    waited = timezone.now() - timedelta(seconds=settings.PORTAL_QUEUE_TIMEOUT)
    forgotten = DiagnosticRun.objects.filter(state=State.QUEUED).filter(
        Q(heartbeat_at__lt=waited) | Q(heartbeat_at__isnull=True, created_at__lt=waited)
    )
    count = 0
    for run in forgotten:
        minutes = settings.PORTAL_QUEUE_TIMEOUT // 60
        note = f"No worker of zone {run.zone or 'default'} picked the run up within {minutes} minutes."
        count += _as_read(run).update(
            state=State.ABORTED, verdict=DiagnosticRun.Verdict.ERROR, finished_at=timezone.now(), note=note
        )
    for run in DiagnosticRun.objects.filter(state=State.RUNNING):
        if is_orphaned(run):
            count += recover(run, requeue)
    return count


def _checks() -> dict[str, Any]:
    from diagnostics.registry import CHECKS

    return CHECKS


def _save_test_send(run: DiagnosticRun, finding: Finding) -> None:
    facts = finding.facts
    TestSend.objects.create(
        run=run,
        recipient=run.send_to,
        subject=str(facts.get("subject", ""))[:200],
        message_id=str(facts.get("message_id", ""))[:250],
        queue_id=str(facts.get("queue_id", ""))[:250],
        accepted=finding.status in (Status.PASS, Status.WARN),
        transcript=finding.evidence,
    )


def verdict_of(findings: list[Finding]) -> str:
    statuses = {finding.status for finding in findings}
    if Status.FAIL in statuses:
        return DiagnosticRun.Verdict.FAILED
    if Status.ERROR in statuses:
        return DiagnosticRun.Verdict.ERROR
    if Status.WARN in statuses:
        return DiagnosticRun.Verdict.WARNING
    return DiagnosticRun.Verdict.PASSED
