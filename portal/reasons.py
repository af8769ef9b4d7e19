"""Why a system is red or amber, from the first failing check of its latest run, in the words each
audience needs: a short reason for lists ("Token: AADSTS7000222 The client secret has expired"),
a plain sentence and who fixes it for the helpdesk, the check's definition for its jargon.

Plain words come from the catalogue (the code's entry, else the check's term), never from the
technical summary. No query of its own: the first finding comes annotated (``with_first_finding``)
or from ``first_findings``, one query for a whole page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from diagnostics.catalogue import check_term, entry_of
from diagnostics.catalogue.fixers import SAP_BASIS
from diagnostics.models import CheckResult
from portal.models import SapSystem

SHORT_LENGTH = 90
_FIRST_CLAUSE = re.compile(r"^(.*?)(?:[:;]\s|\.\s|\.$|$)")


@dataclass(frozen=True)
class Reason:
    key: str  # the check, "oauth.token"
    status: str  # fail, error or warn
    code: str
    name: str  # the check's short name, "Token"
    what: str  # the first clause of the code's meaning (else of the summary), "The client secret has expired"
    plain: str  # for a non-specialist
    fixed_by: str  # "the SAP Basis team"
    summary: str  # the run's technical summary and remedy, one click away on the cards
    remedy: str

    @property
    def short(self) -> str:
        """For lists and tickets: "Token: AADSTS7000222 The client secret has expired"."""
        return f"{self.name}: {self.code} {self.what}" if self.code else f"{self.name}: {self.what}"


def reason_for(result: CheckResult) -> Reason:
    entry = entry_of(result.code, result.explanation)
    term = check_term(result.key)
    name = term.name if term else result.key
    what = _shorten(_first_clause(entry.meaning if entry else result.summary))
    if entry and entry.plain:
        plain, fixed_by = entry.plain, entry.fixed_by
    elif term:
        plain, fixed_by = term.plain, term.fixed_by
    else:  # a check or code the catalogue does not know yet: say so rather than guess
        plain, fixed_by = "A check of the mail setup failed; the technical detail says which.", SAP_BASIS
    return Reason(result.key, result.status, result.code, name, what, plain, fixed_by,
                  result.summary, result.remedy)  # fmt: skip


def reason_of(system: SapSystem) -> Reason | None:
    """Why a system annotated by ``health.with_first_finding`` is red or amber; None when nothing fails."""
    found = getattr(system, "first_finding", None)
    return reason_for(CheckResult(**found)) if found else None


def attach_reasons(systems: Iterable[SapSystem]) -> list[SapSystem]:
    """Set ``system.reason`` on each system annotated by ``health.with_first_finding``."""
    systems = list(systems)
    for system in systems:
        system.reason = reason_of(system)
    return systems


def _first_clause(text: str) -> str:
    found = _FIRST_CLAUSE.match(text.strip())
    return (found.group(1) if found else text).strip()


def _shorten(text: str) -> str:
    if len(text) <= SHORT_LENGTH:
        return text
    return text[: SHORT_LENGTH - 1].rsplit(" ", 1)[0] + "…"
