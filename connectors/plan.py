"""A plan of checks: which diagnostic checks make up an option's diagnosis and in which order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlannedCheck:
    """One check of a plan.

    ``after`` names the checks it depends on. When one of them ends ``fail``, ``error`` or
    ``skipped``, this check is ``skipped`` with that dependency named; ``warn`` lets it run.
    """

    key: str
    after: tuple[str, ...] = ()
