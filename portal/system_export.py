"""CSV export in the import's columns; secrets are never exported (their cells stay empty)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from portal.models import SapSystem
from portal.system_import import COLUMNS, CONTRACT_COLUMNS, EXTRA_COLUMNS, guard
from portal.validators import format_release

EXPORT_COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "basis_release":
        return format_release(value)
    if name == "egress_ips":
        return " ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return guard(str(value))


def export_rows(systems: Iterable[SapSystem]) -> Iterable[list[str]]:
    yield EXPORT_COLUMNS
    for system in systems:
        setup = getattr(system, "mail_setup", None)
        row = []
        for name in EXPORT_COLUMNS:
            column = COLUMNS[name]
            source = system if column.model == "system" else setup
            if column.secret or source is None:
                row.append("")
            else:
                row.append(_cell(name, getattr(source, column.field)))
        yield row


def export_csv(systems: Iterable[SapSystem] | None = None) -> str:
    if systems is None:
        systems = SapSystem.objects.select_related("mail_setup").order_by("sid", "client")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(export_rows(systems))
    return buffer.getvalue()
