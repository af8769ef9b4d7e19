"""What a rule reports about a mail setup: a field, a message and how bad it is.

Two levels, chosen for what a form or an import should do with them:

- ``error`` — the value is malformed or can never be valid for the option (an address that is
  not an address, a GUID that is not a GUID, a private IP as a public egress IP, a port outside
  1-65535). A form refuses to save it; the CSV import refuses the row (DESIGN.md).
- ``warning`` — everything else, including every rule that comes from Microsoft or SAP
  (release, host, port, TLS, product) and every value that is missing. The setup is saved and
  the guide is still generated (a missing value becomes a marked placeholder); ``diagnose``,
  ``steps`` and the pages show the warning. A stale release number or a lab host must not keep
  an administrator from recording what a system really does today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    field: str  # a MailConfig field name; "" when it is about the setup as a whole
    message: str
    level: Level = "warning"

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "level": self.level}


def error(field: str, message: str) -> Problem:
    return Problem(field, message, "error")


def warning(field: str, message: str) -> Problem:
    return Problem(field, message, "warning")


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.is_error]


def dedupe(problems: Iterable[Problem]) -> list[Problem]:
    """Drop repeated problems (shared rules may meet the same value twice), keeping order."""
    seen: set[Problem] = set()
    unique: list[Problem] = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    return unique
