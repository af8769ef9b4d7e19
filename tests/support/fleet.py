"""The demo fleet with a fixed verdict per system: the numbers the dashboard must show are known in advance."""

from __future__ import annotations

from collections.abc import Mapping

from lab.demo import demo_csv
from lab.scenarios import SCENARIOS
from portal.models import SapSystem
from portal.system_import import import_systems
from tests.support.pages import finished_run

# The demo's 16 systems by where they stand once each has run with its scenario's verdict (issue 13):
# amber counts as healthy (GRC relays on TLS 1.0, EWM meets the connection limit: mail flows).
MOVED_HEALTHY = {"PRD/100", "HRQ/100", "SOL/100", "GRC/100", "EWM/100", "MDG/100", "PLM/100"}
ON_BASIC = {"DEV/300", "SBX/400", "ECQ/100"}


def diagnosed_demo(ports: Mapping[str, int] | None = None) -> None:
    """The demo CSV imported, and one finished run per system with its scenario's verdict."""
    import_systems(demo_csv(ports))
    for scenario in SCENARIOS:
        sid, client = scenario.label.split("/")
        finished_run(SapSystem.objects.get(sid=sid, client=client), scenario.verdict)
