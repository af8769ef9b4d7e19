"""`manage.py diagnose`: the checks of one system, run in this process (contract: DESIGN.md "Contracts"), or of
many with ``--all`` (portal/fleet_diagnose.py: a summary table and Nagios exit codes)."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from connectors.registry import OPTIONS
from diagnostics.models import DiagnosticRun
from portal import fleet_diagnose
from portal.lookup import SystemNotFound, system_by_sid
from portal.runs import NoMailSetup, diagnose_now

SYMBOLS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skipped": "SKIP"}


class Command(BaseCommand):
    help = (
        "Run the checks of a system's mail setup in this process and print the result. "
        "Exit 0 when nothing failed, 1 when a check failed or errored, 2 on bad usage or an unknown system. "
        "With --all (narrowed by --zone, --option, --role): every system, a summary table, and the Nagios "
        "exit codes 0 healthy, 1 warning, 2 failing, 3 could not run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sid", nargs="?")
        parser.add_argument("--client", help="three-digit client; needed when the SID has several")
        parser.add_argument("--json", action="store_true", help="print one JSON object on standard output")
        parser.add_argument("--send-to", default="", help="also send a real test message to this address")
        fleet = parser.add_argument_group("many systems")
        fleet.add_argument("--all", action="store_true", help="every system (with a mail setup) the filters choose")
        fleet.add_argument("--zone", default="", help="with --all: only this network zone")
        fleet.add_argument("--option", default="", help="with --all: only systems on this option (a code)")
        fleet.add_argument("--role", default="", help="with --all: only this landscape role (PRD, QAS, DEV, SBX)")
        fleet.add_argument("--parallel", type=int, default=16, help="with --all: systems checked at once")

    def handle(self, *args: Any, sid: str | None, client: str | None, json: bool, send_to: str, **options: Any) -> None:
        if options["all"] or sid is None:
            self._fleet(sid, client, json, send_to, options)
            return
        if send_to:
            try:
                validate_email(send_to)
            except ValidationError:
                raise CommandError(f"--send-to {send_to!r} is not an e-mail address", returncode=2) from None
        try:
            system = system_by_sid(sid, client)
            with _terminate_as_interrupt():
                run = diagnose_now(system, send_to=send_to)
        except (SystemNotFound, NoMailSetup) as exc:
            raise CommandError(str(exc), returncode=2) from None
        problems = OPTIONS[run.option].validate(system.mail_setup.to_config())
        report = _report(run, problems)
        if json:
            self.stdout.write(_dumps(report))
        else:
            self._print(report)
        if report["status"] in ("failed", "error"):
            raise SystemExit(1)

    def _fleet(self, sid: str | None, client: str | None, json: bool, send_to: str, options: dict[str, Any]) -> None:
        """``--all``: Nagios exit codes, 3 (UNKNOWN) for bad usage too, as monitoring plugins do."""
        try:
            if not options["all"]:
                raise fleet_diagnose.UsageError("name a system (SID) or ask for --all")
            if sid or client or json or send_to:
                raise fleet_diagnose.UsageError("--all checks many systems: no SID, --client, --json or --send-to")
            chosen = {name: options[name] for name in ("zone", "option", "role")}
            systems = fleet_diagnose.chosen_systems(**chosen)
        except fleet_diagnose.UsageError as exc:
            self.stderr.write(f"MAIL HEALTH UNKNOWN - {exc}")
            raise SystemExit(fleet_diagnose.UNKNOWN) from None
        scope = ", ".join(f"{name} {value}" for name, value in chosen.items() if value) or "all systems"
        with _terminate_as_interrupt():
            rows, not_set_up = fleet_diagnose.diagnose_fleet(systems, parallel=options["parallel"], scope=scope)
        if not rows:
            self.stdout.write(f"MAIL HEALTH UNKNOWN - no system with a mail setup matches ({scope})")
            raise SystemExit(fleet_diagnose.UNKNOWN)
        self.stdout.write(fleet_diagnose.summary_line(rows))
        width = max(len(row.option) for row in rows)
        for row in rows:
            state = fleet_diagnose.STATE_NAMES[row.state]
            self.stdout.write(f"{row.system:8} {row.option:{width}} {state:8} {row.problem}".rstrip())
        if not_set_up:
            self.stdout.write(f"Not checked (no mail setup): {', '.join(not_set_up)}")
        raise SystemExit(fleet_diagnose.worst([row.state for row in rows]))

    def _print(self, report: dict[str, Any]) -> None:
        self.stdout.write(
            f"{report['system']} · {report['option_label']} · run {report['run_id']} on {report['worker']}"
        )
        for problem in report["setup_warnings"]:
            self.stdout.write(f"  setup   {problem['field'] or 'setup'}: {problem['message']}")
        for check in report["checks"]:
            code = f" [{check['code']}]" if check["code"] else ""
            self.stdout.write(
                f"  {SYMBOLS[check['status']]:5} {check['key']:28} {check['summary']}{code} ({check['duration_ms']} ms)"
            )
            if check["status"] in ("fail", "error", "warn") and check["remedy"]:
                self.stdout.write(f"        fix: {check['remedy']}")
        if report["note"]:
            self.stdout.write(f"  {report['state']}: {report['note']}")
        self.stdout.write(f"Result: {report['status']}")


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the run ends at once saying the command was interrupted."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report(run: DiagnosticRun, problems: list[Any]) -> dict[str, Any]:
    return {
        "system": str(run.system),
        "option": run.option,
        "option_label": OPTIONS[run.option].label,
        "status": run.verdict,
        "run_id": run.pk,
        "worker": run.worker,
        "zone": run.zone,
        "state": run.state,
        "note": run.note,
        "setup_warnings": [problem.to_dict() for problem in problems],
        "checks": [
            {
                "key": result.key,
                "status": result.status,
                "code": result.code or None,
                "summary": result.summary,
                "remedy": result.remedy,
                "explanation": result.explanation,
                "duration_ms": result.duration_ms,
            }
            for result in run.results.all()
        ],
    }


def _dumps(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)
