"""``manage.py explain "<text>"`` — what an SAP or Microsoft error text means, and which systems show it.

Exit 0 when the text names something the catalogue knows, 1 when nothing matches, 2 on bad usage.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.explain import explain_text
from portal.forms import ExplainForm


class Command(BaseCommand):
    help = (
        "Look up a SOST status text, an SMICM trace line, an SAPconnect message (XS…), an SMTP reply or an "
        "AADSTS error: meaning, cause, fix and the systems whose last run shows it. Use - to read stdin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", nargs="+", help="the error text (quote it), or - for standard input")

    def handle(self, *args: Any, text: list[str], **options: Any) -> None:
        raw = sys.stdin.read() if text == ["-"] else " ".join(text)
        form = ExplainForm({"text": raw})
        if not form.is_valid():
            raise CommandError(f"text: {' '.join(form.errors['text'])}", returncode=2)
        results = explain_text(form.cleaned_data["text"])
        if not results:
            self.stderr.write("Nothing in the text matches the catalogue: paste the line with its code.")
            raise SystemExit(1)
        for item in results:
            entry = item.match.entry
            self.stdout.write(f"{item.match.code} — {entry.meaning}")
            self.stdout.write(f"  found in: {item.match.excerpt}")
            if entry.plain:
                self.stdout.write(f"  in plain words: {entry.plain}")
            if entry.fixed_by:
                self.stdout.write(f"  who fixes it: {entry.fixed_by}")
            if entry.cause:
                self.stdout.write(f"  cause: {entry.cause}")
            if entry.remedy:
                self.stdout.write(f"  fix: {entry.remedy}")
            systems = ", ".join(str(system) for system in item.systems) or "none"
            self.stdout.write(f"  systems whose last run shows it: {systems}")
            if entry.source:
                self.stdout.write(f"  source: {entry.source}")
            self.stdout.write("")
