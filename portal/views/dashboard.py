"""The migration dashboard for managers and its CSV export."""

from __future__ import annotations

import csv
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.fleet import summary
from portal.health import with_health
from portal.models import SapSystem
from portal.monitoring.snapshots import trend
from portal.roles import permission_required


@require_GET
@permission_required("portal.view_dashboard", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = summary(today)
    now = {"total": context["total"], "by_health": {str(state): n for state, n in context["by_health"] if n},
           "by_option": {code: n for _, n, code in context["by_option"] if n}}  # fmt: skip
    return render(request, "portal/dashboard.html", {**context, "trend": trend(today, now=now)})


@require_GET
@permission_required("portal.view_dashboard", raise_exception=True)
def dashboard_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mail-migration.csv"'
    writer = csv.writer(response)
    writer.writerow(["sid", "client", "description", "role", "product", "basis_release", "option", "health",
                     "health_since", "last_run"])  # fmt: skip
    for system in with_health(SapSystem.objects.select_related("mail_setup")).order_by("sid", "client").iterator():
        setup = getattr(system, "mail_setup", None)
        writer.writerow([system.sid, system.client, _cell(system.description), system.role, system.product,
                         system.release_label, setup.option if setup else "", system.health,
                         _iso(system.health_since), _iso(system.last_run_at)])  # fmt: skip
    return response


def _iso(value: Any) -> str:
    return value.isoformat(timespec="minutes") if value else ""


def _cell(text: str) -> str:
    """Spreadsheets run a cell that starts like a formula: keep a description from doing that."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
