"""Look-ups that several pages share: a system by SID and client, the listed systems, a system's latest run."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from diagnostics.models import DiagnosticRun
from portal.health import with_first_finding, with_health
from portal.models import SapSystem
from portal.progress import with_progress
from portal.runbooks import with_runbook_progress


def system_for(sid: str, client: str) -> SapSystem:
    systems = with_runbook_progress(SapSystem.objects.select_related("mail_setup"))
    return get_object_or_404(systems, sid=sid.upper(), client=client)


def system_with_health(sid: str, client: str) -> SapSystem:
    return get_object_or_404(listed_systems(), sid=sid.upper(), client=client)


def listed_systems() -> QuerySet[SapSystem]:
    """Systems with their health and the first finding behind it (``reasons.attach_reasons`` reads it), where
    they stand on the way off Basic auth and how far their runbook is."""
    systems = with_progress(with_health(SapSystem.objects.select_related("mail_setup")))
    return with_runbook_progress(with_first_finding(systems)).order_by("sid", "client")


def latest_run(system: SapSystem) -> DiagnosticRun | None:
    return system.runs.select_related("test_send").prefetch_related("results").first()
