"""The runbook: each step of a system's generated guide ticked off, by people and by the checks.

A runbook belongs to one option. It follows the system's setup (``sync``): a changed option closes
the current runbook (it stays as history) and starts a new one; a guide that gained or lost steps
within the same option keeps the ticks of the steps it still has. Steps that a check verifies tick
themselves when that check passes in a finished run, and untick with a note when it fails
(``record_run``, called once when a run ends). Every change is in the audit log.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from connectors.registry import guide_for
from diagnostics.catalogue import check_term
from diagnostics.findings import Status
from diagnostics.milestones import configured_milestones
from diagnostics.models import DiagnosticRun
from portal.models import AuditEvent, MailSetup, Runbook, RunbookTick, SapSystem

logger = logging.getLogger(__name__)

NOTE_LENGTH = 300


class UnknownStep(Exception):
    """The step is not in the system's current guide (it changed since the page was opened)."""


def guide_steps(setup: MailSetup) -> list[dict[str, str]]:
    """The steps of the setup's guide as a runbook keeps them. Without the live SPF record: it changes a
    step's text, never which steps there are, and a runbook must never wait on DNS.

    Every finished run asks (a sweep: hundreds a minute), and building a guide costs milliseconds of CPU,
    so the answer is kept per process for the same setup, milestones and day (a guide depends on nothing else).
    """
    config, milestones, today = setup.to_config(), configured_milestones(), date.today()  # as the guide page
    key = repr((config, milestones, today))
    with _steps_lock:
        known = _steps_seen.get(key)
    if known is None:
        guide = guide_for(config, milestones=milestones, today=today)
        known = [
            {"key": s.key, "title": s.title, "where": s.where.label,
             "check": s.check if s.verified_by_current_route else ""}
            for s in guide.steps
        ]  # fmt: skip
        with _steps_lock:
            _steps_seen[key] = known
            while len(_steps_seen) > STEPS_KEPT:
                _steps_seen.pop(next(iter(_steps_seen)))
    return [dict(step) for step in known]  # the caller's to change


STEPS_KEPT = 2048
_steps_seen: dict[str, list[dict[str, str]]] = {}
_steps_lock = threading.Lock()


def current(system: SapSystem) -> Runbook | None:
    book = Runbook.objects.filter(system=system, closed_at__isnull=True).first()
    if book is not None:
        book.system = system  # its audit events name the system: no second read of it
    return book


def sync(system: SapSystem) -> Runbook | None:
    """The system's current runbook, made to follow its setup (None while it has no setup)."""
    setup = MailSetup.objects.filter(system=system).first()
    book = current(system)
    if setup is None:
        return book
    setup.system = system  # its guide names the system: no second read of it
    steps = guide_steps(setup)
    if book is not None and book.option != setup.option:
        Runbook.objects.filter(pk=book.pk, closed_at__isnull=True).update(closed_at=timezone.now())
        book = None
    if book is None:
        return _start(system, setup.option, steps)
    if book.steps != steps:
        book.steps, book.step_count = steps, len(steps)
        book.save(update_fields=["steps", "step_count"])
        _recount(book)
    return book


def _start(system: SapSystem, option: str, steps: list[dict[str, str]]) -> Runbook:
    """A new runbook (not audited: the change of setup that starts it is; its ticks are)."""
    try:
        with transaction.atomic():
            book = Runbook.objects.create(system=system, option=option, steps=steps, step_count=len(steps))
    except IntegrityError:  # another request started it a moment ago: theirs is the current one
        return Runbook.objects.get(system=system, closed_at__isnull=True)
    return book


def _recount(book: Runbook) -> None:
    keys = [step["key"] for step in book.steps]
    book.done_count = RunbookTick.objects.filter(runbook=book, step__in=keys, done=True).count()
    Runbook.objects.filter(pk=book.pk).update(done_count=book.done_count)


def _title(book: Runbook, key: str) -> str:
    return next((step["title"] for step in book.steps if step["key"] == key), key)


def _apply(
    book: Runbook, wanted: dict[str, tuple[bool, str]], *, by: Any, run: DiagnosticRun | None, source: str
) -> None:
    """Set steps to ``wanted`` ({step: (done, note)}); each change audited, and only what changes. A handful of
    queries whatever the number of steps: a sweep ends hundreds of runs a minute."""
    by = by if getattr(by, "is_authenticated", False) else None
    ticks = {tick.step: tick for tick in RunbookTick.objects.filter(runbook=book, step__in=wanted)}
    now, new, changed, events = timezone.now(), [], [], []
    for key, (done, note) in wanted.items():
        tick = ticks.get(key)
        if tick is not None and tick.done == done:
            continue
        events.append(_audit(book, key, tick.done if tick else False, done, note, source=source, by=by))
        if tick is None:
            new.append(RunbookTick(runbook=book, step=key, done=done, by=by, run=run, at=now, note=note[:NOTE_LENGTH]))
        else:
            tick.done, tick.by, tick.run, tick.at, tick.note = done, by, run, now, note[:NOTE_LENGTH]
            changed.append(tick)
    if not events:
        return
    # A step ticked by two requests at once: the first insert stands, the second is ignored, not an error.
    RunbookTick.objects.bulk_create(new, ignore_conflicts=True)
    RunbookTick.objects.bulk_update(changed, ["done", "by", "run", "at", "note"])
    AuditEvent.objects.bulk_create(events)
    _recount(book)


def _audit(book: Runbook, key: str, was: bool, done: bool, note: str, *, source: str, by: Any = None) -> AuditEvent:
    """The audit event of one step's change, not saved yet."""
    title = _title(book, key)
    changes = {"runbook_step": [f"{title}: {_state(was)}", f"{title}: {_state(done)}"]}
    if note:
        changes["note"] = ["", note[:NOTE_LENGTH]]
    action = "runbook.ticked" if done else "runbook.unticked"
    return AuditEvent.build(action, source=source, system=book.system, actor=by, changes=changes)


def _state(done: bool) -> str:
    return "done" if done else "not done"


@transaction.atomic
def tick(system: SapSystem, key: str, done: bool, *, user: Any) -> Runbook:
    """A person ticks (or unticks) a step of the system's current runbook."""
    book = sync(system)
    if book is None or key not in {step["key"] for step in book.steps}:
        raise UnknownStep(f"{key!r} is not a step of {system}'s current guide")
    _apply(book, {key: (done, "")}, by=user, run=None, source=AuditEvent.Source.WEB)
    return book


def record_run(run: DiagnosticRun | None) -> None:
    """After a run ends: the steps its checks verify tick themselves when the check passed, and untick
    with a note when it failed. A run of another option than the runbook's changes nothing.

    Never raises: the run's result stands whatever happens here; the runbook catches up next time."""
    if run is None or run.state != DiagnosticRun.State.DONE:
        return
    try:
        with transaction.atomic():
            _record(run)
    except Exception:  # noqa: BLE001 - a runbook must never turn a finished run into a failed task
        logger.exception("runbook not updated after run %s", run.pk)


def _record(run: DiagnosticRun) -> None:
    book = sync(run.system)
    if book is None or book.option != run.option:
        return
    results = run.saved_findings()
    wanted: dict[str, tuple[bool, str]] = {}  # step -> (done, note), for the steps this run's checks decide
    for step in book.steps:
        result = results.get(step["check"]) if step["check"] else None
        if result is None:
            continue
        name = _check_name(step["check"])
        if result.status == Status.PASS:
            wanted[step["key"]] = (True, f"Ticked by the check {name}, which passed in run {run.pk}.")
        elif result.status in (Status.FAIL, Status.ERROR):
            why = f"{result.code or ''} {result.summary}".strip()
            wanted[step["key"]] = (False, f"Unticked: the check {name} failed in run {run.pk}: {why}")
    _apply(book, wanted, by=None, run=run, source=AuditEvent.Source.RUN)


def _check_name(key: str) -> str:
    term = check_term(key)
    return f"{term.name} ({key})" if term else key


@dataclass(frozen=True)
class StepState:
    done: bool
    by: str  # "admin", "the check Token (oauth.token)" or ""
    at: Any
    note: str


def step_states(book: Runbook | None) -> dict[str, StepState]:
    """Each step's state for the Steps page (one query)."""
    if book is None:
        return {}
    states = {}
    for tick in RunbookTick.objects.filter(runbook=book).select_related("by"):
        by = tick.by.get_username() if tick.by else ("a check run" if tick.run_id else "")
        states[tick.step] = StepState(tick.done, by, tick.at, tick.note)
    return states


def history(system: SapSystem) -> list[Runbook]:
    """The closed runbooks, newest first: what was done for the options the system had before."""
    return list(Runbook.objects.filter(system=system, closed_at__isnull=False))


def with_runbook_progress(systems: QuerySet[SapSystem]) -> QuerySet[SapSystem]:
    """Annotate ``runbook_done`` and ``runbook_steps`` from the current runbook of the system's current option
    (None when it has none yet): two subqueries, so a list of any length stays one query."""
    books = Runbook.objects.filter(system=OuterRef("pk"), closed_at__isnull=True, option=OuterRef("mail_setup__option"))
    return systems.annotate(
        runbook_done=Subquery(books.values("done_count")[:1]), runbook_steps=Subquery(books.values("step_count")[:1])
    )
