"""The migration dashboard for managers, its printable report (HTML and PDF) and its CSV export."""

from __future__ import annotations

import csv
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from connectors.products import role_choices
from portal import exchange_report
from portal.fleet import summary
from portal.fleet_runs import fleet_watch
from portal.monitoring.burndown import WINDOW_DAYS, burndown
from portal.monitoring.snapshots import trend, window
from portal.open_systems import open_systems
from portal.reasons import reason_of
from portal.roles import permission_required
from portal.status_report import PdfUnavailable, render_pdf
from portal.views.queries import listed_systems


def _context(request: HttpRequest) -> dict[str, Any]:
    """Everything the dashboard and the printable report show; ``owner`` and ``role`` narrow the open list."""
    today = timezone.localdate()
    context = summary(today)
    owner = request.GET.get("owner", "").strip()[:200]
    role = request.GET.get("role", "") if request.GET.get("role", "") in dict(role_choices()) else ""
    query = "&".join(f"{name}={value}" for name, value in (("owner", owner), ("role", role)) if value)
    context |= {"today": today, "owner": owner, "role": role, "roles": role_choices(), "filtered": bool(query),
                "open": open_systems(today, context["milestone"], owner=owner, role=role),
                "evidence": exchange_report.evidence(exchange_report.latest()), "query": query}  # fmt: skip
    context["burndown_now"] = {str(place): n for place, n in context["headline"].counts.items()}
    context["snapshots"] = window(today, WINDOW_DAYS)  # one query for the burndown and the dashboard's trend
    context["burndown"] = burndown(today, now=context["burndown_now"], rows=context["snapshots"])
    return context


@require_GET
@permission_required("portal.view_dashboard", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    now = {"total": context["total"], "by_health": {str(state): n for state, n in context["by_health"] if n},
           "by_option": {code: n for _, n, code in context["by_option"] if n}}  # fmt: skip
    now["by_progress"] = context["burndown_now"]
    return render(
        request,
        "portal/dashboard.html",
        {**context, "watch": fleet_watch(), "trend": trend(context["today"], now=now, rows=context["snapshots"])},
    )


@require_GET
@permission_required("portal.view_dashboard", raise_exception=True)
def dashboard_report(request: HttpRequest) -> HttpResponse:
    """One page for a steering meeting: the headline, the chart and the open systems (print it, or take the PDF)."""
    return render(request, "portal/dashboard_report.html", _context(request))


@require_GET
@permission_required("portal.view_dashboard", raise_exception=True)
def dashboard_report_pdf(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    try:
        pdf = render_pdf(request, context)
    except PdfUnavailable:
        message = (
            "The PDF needs the Pango libraries on the portal's server (Debian: libpango-1.0-0 libpangoft2-1.0-0 "
            "fonts-dejavu-core). The printable page works without them: open it and use the browser's Print."
        )
        return render(request, "portal/dashboard_report.html", {**context, "pdf_unavailable": message}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mail-migration-{context["today"]:%Y-%m-%d}.pdf"'
    return response


EXPORT_COLUMNS = [
    "sid", "client", "description", "role", "product", "basis_release", "option", "health", "health_since",
    "last_run", "progress", "reason", "owner", "contact_email", "target_option", "target_date", "runbook_done",
    "runbook_steps",
]  # fmt: skip


@require_GET
@permission_required("portal.view_dashboard", raise_exception=True)
def dashboard_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mail-migration.csv"'
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    for system in listed_systems().iterator():
        writer.writerow([_cell(str(value)) for value in _export_row(system)])
    return response


def _export_row(system: Any) -> list[Any]:
    setup = getattr(system, "mail_setup", None)
    reason = reason_of(system)
    return [system.sid, system.client, system.description, system.role, system.product, system.release_label,
            setup.option if setup else "", system.health, _iso(system.health_since), _iso(system.last_run_at),
            system.progress, reason.short if reason else "", system.owner, system.contact_email, system.target_option,
            system.target_date.isoformat() if system.target_date else "",
            "" if system.runbook_steps is None else system.runbook_done,
            "" if system.runbook_steps is None else system.runbook_steps]  # fmt: skip


def _iso(value: Any) -> str:
    return value.isoformat(timespec="minutes") if value else ""


def _cell(text: str) -> str:
    """Spreadsheets run a cell that starts like a formula: keep a description from doing that."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
