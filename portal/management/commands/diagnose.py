"""`manage.py diagnose`: the checks of one system, run in this process (contract: DESIGN.md "Contracts")."""

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
from portal.lookup import SystemNotFound, system_by_sid
from portal.runs import NoMailSetup, diagnose_now

SYMBOLS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skipped": "SKIP"}


class Command(BaseCommand):
    help = (
        "Run the checks of a system's mail setup in this process and print the result. "
        "Exit 0 when nothing failed, 1 when a check failed or errored, 2 on bad usage or an unknown system."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sid")
        parser.add_argument("--client", help="three-digit client; needed when the SID has several")
        parser.add_argument("--json", action="store_true", help="print one JSON object on standard output")
        parser.add_argument("--send-to", default="", help="also send a real test message to this address")

    def handle(self, *args: Any, sid: str, client: str | None, json: bool, send_to: str, **options: Any) -> None:
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
