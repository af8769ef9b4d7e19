from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from diagnostics.models import DiagnosticRun
from lab import history
from lab.demo import demo_csv
from lab.scenarios import DEMO_CONTACT, SCENARIOS
from portal.models import SapSystem
from portal.monitoring.models import Subscription
from portal.runs import NoMailSetup, create_run
from portal.system_import import import_systems
from portal.tasks import enqueue_run


class Command(BaseCommand):
    help = (
        "Load the demo systems, which point at the lab. Systems that exist already are left as they "
        "are (your edits survive the next make run); running it twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--history",
            dest="history_days",
            type=int,
            default=0,
            metavar="DAYS",
            help="generate DAYS of made-up run history for demo systems without any run (marked as generated)",
        )
        parser.add_argument(
            "--sweep",
            action="store_true",
            help="queue one run of every demo system for the worker (make run's first sweep; no test message)",
        )

    def handle(self, *args: Any, history_days: int, sweep: bool, **options: Any) -> None:
        existing = {str(system) for system in SapSystem.objects.all()}
        if all(scenario.label in existing for scenario in SCENARIOS):
            self.stdout.write(f"Demo systems: all {len(SCENARIOS)} are there already")
        else:
            report = import_systems(demo_csv(skip=existing))
            self.stdout.write(
                f"Demo systems: {len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged"
            )
            if not Subscription.objects.exists():
                Subscription.objects.create(name="Production on call (demo)", scope="role", value="PRD",
                                            email=f"oncall-{DEMO_CONTACT}", include_amber=True)  # fmt: skip
        if history_days > 0 and (made := history.seed(history_days)):
            self.stdout.write(f"Demo history: {made} generated runs over {history_days} days (marked as generated)")
        if sweep:
            self.stdout.write(f"First sweep: {queue_sweep()} runs queued for the worker")


def queue_sweep() -> int:
    """One scheduled run per demo system (joined when one is already queued or running)."""
    queued, labels = 0, {scenario.label for scenario in SCENARIOS}
    for system in SapSystem.objects.select_related("mail_setup"):
        if str(system) not in labels:
            continue  # a system the user added: the scheduler looks after it
        try:
            enqueue_run(create_run(system, trigger=DiagnosticRun.Trigger.SCHEDULE))
        except NoMailSetup:
            continue
        queued += 1
    return queued
