from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.exchange_report import evidence, import_report
from portal.system_import import ImportRefused


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of {text!r}: write the date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Import the SMTP AUTH clients report exported from the Exchange admin center (Reports > Mail flow) "
        "and match its accounts to the systems (all rows or none)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the exported .csv; '-' reads standard input")
        parser.add_argument("--as-of", help="the last day the report covers, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, file: str, as_of: str | None, **options: Any) -> None:
        if file == "-":
            data = sys.stdin.buffer.read()
        elif Path(file).is_file():
            data = Path(file).read_bytes()
        else:
            raise CommandError(f"{file}: no such file")
        today = timezone.localdate()
        day = _day(as_of) if as_of else today
        if day > today:
            raise CommandError(f"--as-of {as_of}: a report cannot cover days that have not come yet")
        try:
            report = import_report(data, as_of=day, filename=Path(file).name)
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"nothing imported: {len(refused.problems)} problem(s) in {file}") from None
        found = evidence(report)
        self.stdout.write(
            f"{len(found.accounts)} sending accounts as of {report.as_of:%Y-%m-%d}: "
            f"{len(found.matched)} matched to systems, {len(found.unmatched)} match no system"
        )
        for system, account in found.moved_but_basic:
            self.stdout.write(
                f"counted as moved but still on Basic auth: {system} ({account.sender}, {account.basic} messages)"
            )
        for system, account in found.basic_unplanned:
            self.stdout.write(f"on Basic auth without a plan: {system} ({account.sender})")
        for account in found.unmatched:
            self.stdout.write(f"no system sends as {account.sender}")
        if not report.states_protocol:
            self.stdout.write(
                "This export has no Authentication Protocol column: Basic auth and OAuth cannot be told apart."
            )
