from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lab.demo import demo_csv
from lab.scenarios import SCENARIOS
from portal.models import SapSystem
from portal.system_import import import_systems


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
