"""The demo systems as one import file: the demo, the browser tests and the diagnostics tests load
the same CSV, through the same path as a customer's."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from lab.scenarios import SCENARIOS
from portal.system_import import COLUMNS


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
