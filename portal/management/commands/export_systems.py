from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.system_export import export_csv


class Command(BaseCommand):
    help = "Export SAP systems and their mail setups as CSV (the import's columns; secrets are never exported)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="file to write; standard output when omitted")

    def handle(self, *args: Any, output: str | None = None, **options: Any) -> None:
        text = export_csv()
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
