"""`manage.py diagnose --all`: a fleet run executed in the calling process, told the way monitoring tools read it.

The exit status follows the Nagios plugin convention (https://nagios-plugins.org/doc/guidelines.html, "Plugin
Return Codes"): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Over many systems the worst counts, in the order the
monitoring-plugins library's ``max_state_alt`` uses: CRITICAL, then WARNING, then UNKNOWN, then OK. A check
that failed or errored (a DNS or TCP timeout too) is CRITICAL; a run that could not run at all is UNKNOWN.
Systems without a mail setup have nothing to check: they are named, and do not change the status.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from connectors.registry import OPTIONS
from diagnostics import runner
from diagnostics.models import DiagnosticRun
from portal.fleet_runs import open_fleet_run
from portal.health import first_findings
from portal.models import SapSystem
from portal.reasons import reason_for
from portal.runs import follow_here

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
_WORST_FIRST = (CRITICAL, WARNING, UNKNOWN, OK)
_BY_VERDICT = {DiagnosticRun.Verdict.PASSED: OK, DiagnosticRun.Verdict.WARNING: WARNING,
               DiagnosticRun.Verdict.FAILED: CRITICAL, DiagnosticRun.Verdict.ERROR: CRITICAL}  # fmt: skip
INTERRUPTED = "The diagnose command was interrupted before this run started; run it again."


class UsageError(Exception):
    """A filter that names nothing the portal knows: exit 3 (UNKNOWN) with the message."""


@dataclass(frozen=True)
class Row:
    system: str
    option: str
    state: int
    problem: str  # the first failing check's short reason, or why the run could not run


def state_of(run: DiagnosticRun) -> int:
    return _BY_VERDICT.get(run.verdict, UNKNOWN) if run.state == DiagnosticRun.State.DONE else UNKNOWN


def worst(states: list[int]) -> int:
    return next((state for state in _WORST_FIRST if state in states), OK)


def chosen_systems(*, zone: str, option: str, role: str) -> QuerySet[SapSystem]:
    systems = SapSystem.objects.all()
    if option:
        if option not in OPTIONS:
            raise UsageError(f"--option {option!r} is not an option code ({', '.join(OPTIONS)})")
        systems = systems.filter(mail_setup__option=option)
    if role:
        roles = {code for code, _ in SapSystem._meta.get_field("role").choices}
        if role.upper() not in roles:
            raise UsageError(f"--role {role!r} is not a landscape role ({', '.join(sorted(roles))})")
        systems = systems.filter(role=role.upper())
    if zone:
        systems = systems.filter(zone__iexact=zone)
    return systems.order_by("sid", "client")


def diagnose_fleet(systems: QuerySet[SapSystem], *, parallel: int, scope: str) -> tuple[list[Row], list[str]]:
    """Run every chosen system's checks here, ``parallel`` at a time (a system with a run under way joins
    it); the rows in SID order, and the systems without a mail setup."""
    fleet, started = open_fleet_run(systems, trigger=DiagnosticRun.Trigger.CLI, scope=scope)
    runs = list(fleet.runs.select_related("system").order_by("system__sid", "system__client"))
    try:
        _in_threads(follow_here, runs, parallel)
    except BaseException:  # Ctrl-C, SIGTERM: what no thread has started yet ends now, saying why
        runner.abandon([run.pk for run in started], INTERRUPTED)
        raise
    for run in runs:
        run.refresh_from_db()
    reasons = first_findings([run.pk for run in runs])
    rows = [
        Row(
            str(run.system),
            OPTIONS[run.option].label,
            state_of(run),
            reason_for(reasons[run.pk]).short if run.pk in reasons else run.note,
        )  # fmt: skip
        for run in runs
    ]
    not_set_up = [str(system) for system in systems.filter(mail_setup__isnull=True)]
    return rows, not_set_up


def _in_threads(work: Callable[[Any], Any], items: list[Any], parallel: int) -> None:
    """The I/O-bound runs side by side in threads (benchmarks/sweep_throughput.py measured why threads)."""

    def one(item: Any) -> None:
        try:
            work(item)
        finally:
            connection.close()  # each thread has its own database connection

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="diagnose") as pool:
        try:
            for future in [pool.submit(one, item) for item in items]:
                future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def summary_line(rows: list[Row]) -> str:
    """Nagios' first line: "MAIL HEALTH CRITICAL - 16 systems: 3 failing, 1 with warnings, 12 OK"."""
    counts = {state: sum(1 for row in rows if row.state == state) for state in STATE_NAMES}
    words = {CRITICAL: "failing", WARNING: "with warnings", UNKNOWN: "could not run", OK: "OK"}
    parts = [f"{counts[state]} {words[state]}" for state in _WORST_FIRST if counts[state]]
    status = STATE_NAMES[worst([row.state for row in rows])]
    return f"MAIL HEALTH {status} - {len(rows)} system{'s' if len(rows) != 1 else ''}: {', '.join(parts)}"
