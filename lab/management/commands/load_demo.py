from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand

from lab.scenarios import SCENARIOS
from portal.models import SapSystem
from portal.system_import import COLUMNS, import_systems


def demo_csv(ports: Mapping[str, int] | None = None, *, skip: set[str] | None = None) -> str:
    """The lab's scenarios as an import file: the demo goes through the same path as a customer's CSV.

    ``ports``: a running lab's ports (tests); the fixed demo ports otherwise. ``skip``: labels
    ("SID/client") of systems to leave out.
    """
    rows = [scenario.values(ports) for scenario in SCENARIOS if scenario.label not in (skip or set())]
    header = [name for name in COLUMNS if any(name in row for row in rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(name) in (None, "") else str(row[name]) for name in header])
    return buffer.getvalue()


class Command(BaseCommand):
    help = (
        "Load the demo systems, which point at the lab. Systems that exist already are left as they "
        "are (your edits survive the next make run); running it twice changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        existing = {str(system) for system in SapSystem.objects.all()}
        if all(scenario.label in existing for scenario in SCENARIOS):
            self.stdout.write(f"Demo systems: all {len(SCENARIOS)} are there already")
            return
        report = import_systems(demo_csv(skip=existing))
        self.stdout.write(
            f"Demo systems: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged"
        )
