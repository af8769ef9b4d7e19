"""``manage.py steps SID [--client NNN] [--format markdown|json]`` — the generated setup steps."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnostics.milestones import configured_milestones
from portal.guides import guide_for_setup
from portal.lookup import SystemNotFound, system_by_sid


class Command(BaseCommand):
    help = (
        "Print the configuration steps generated from one SAP system's mail setup (Entra ID, Exchange "
        "Online, DNS, SAP). Exit 2 for an unknown system or one without a mail setup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sid")
        parser.add_argument("--client", help="three-digit client; needed when the SID has several")
        parser.add_argument("--format", choices=("markdown", "json"), default="markdown")

    def handle(self, *args: Any, sid: str, client: str | None, format: str, **options: Any) -> None:
        try:
            system = system_by_sid(sid, client)
        except SystemNotFound as exc:
            raise CommandError(str(exc), returncode=2) from None
        setup = getattr(system, "mail_setup", None)
        if setup is None:
            raise CommandError(
                f"{system} has no mail setup yet: add one on its Configuration page or with import_systems",
                returncode=2,
            )
        try:
            configured_milestones()
        except ValueError as exc:
            raise CommandError(f"PORTAL_BASIC_AUTH_MILESTONES: {exc}", returncode=2) from None
        # The sender domain's SPF record is read live (short timeout, today's text if DNS fails).
        guide = guide_for_setup(setup.to_config())
        if format == "json":
            self.stdout.write(json.dumps(guide.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(guide.to_markdown(), ending="")
