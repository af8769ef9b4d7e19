"""The error lookup for the page and ``manage.py explain``: what a pasted text means, and which systems'
latest run shows the same fault."""

from __future__ import annotations

from dataclasses import dataclass

from diagnostics.catalogue.lookup import Match, match_text
from diagnostics.models import CheckResult
from portal.health import with_health
from portal.models import SapSystem


@dataclass(frozen=True)
class Explained:
    match: Match
    systems: tuple[SapSystem, ...]  # whose latest finished run has a check with one of the match's codes


def explain_text(text: str) -> list[Explained]:
    matches = match_text(text)
    if not matches:
        return []
    codes = {code for match in matches for code in match.codes}
    latest = {system.last_run_id: system for system in with_health(SapSystem.objects.all()) if system.last_run_id}
    hits: dict[str, set[int]] = {}
    for run_id, code in CheckResult.objects.filter(run_id__in=latest, code__in=codes).values_list("run_id", "code"):
        hits.setdefault(code, set()).add(run_id)
    explained = []
    for match in matches:
        run_ids = set().union(*(hits.get(code, set()) for code in match.codes))
        systems = sorted((latest[run_id] for run_id in run_ids), key=lambda s: (s.sid, s.client))
        explained.append(Explained(match, tuple(systems)))
    return explained
