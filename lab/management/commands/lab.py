from __future__ import annotations

from typing import Any

import dns.resolver
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lab import Lab
from lab.pki import LabPki
from lab.scenarios import configure


def _system_nameservers() -> list[tuple[str, int]]:
    try:
        return [(server, 53) for server in dns.resolver.Resolver().nameservers]
    except dns.resolver.NoResolverConfiguration:
        return []


class Command(BaseCommand):
    help = (
        "Run the lab on its fixed loopback ports: stand-ins for Exchange Online SMTP, the Entra ID "
        "token endpoint and DNS, loaded with the demo scenarios. Ctrl-C stops it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--prepare",
            action="store_true",
            help="only create the lab's CA in the data folder (make run does this first)",
        )

    def handle(self, *args: Any, prepare: bool, **options: Any) -> None:
        directory = settings.DATA_DIR / "lab"
        if prepare:
            LabPki(directory)
            self.stdout.write(f"Lab CA ready: {directory / 'lab-ca.pem'}")
            return
        # The demo's lab answers its own zone and forwards every other name, so a real system
        # added to the demo still resolves. Tests never forward.
        lab = Lab.start(fixed_ports=True, directory=directory, forward_dns_to=_system_nameservers())
        configure(lab)

        def listening() -> None:
            self.stdout.write("The lab is listening on loopback:\n" + lab.describe())
            self.stdout.flush()

        lab.serve_forever(ready=listening)
