"""The systems list, a system's Health tab and the form that adds a system.

Views stay thin: access helpers at the top, behaviour on models, forms and small service modules.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from connectors.registry import OPTIONS
from portal.fleet_runs import fleet_check
from portal.forms import SystemFilterForm, SystemForm
from portal.health import history, most_urgent_first, run_progress
from portal.models import AuditEvent, audit_changes
from portal.monitoring.timeline import timeline
from portal.reasons import attach_reasons
from portal.roles import permission_required
from portal.schedule import next_check
from portal.validators import ascii_int
from portal.views.queries import latest_run, listed_systems, system_for, system_with_health

PAGE_SIZE = 50


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def system_list(request: HttpRequest) -> HttpResponse:
    filters = SystemFilterForm(request.GET)
    systems = filters.order(filters.filter(most_urgent_first(listed_systems())))
    page = Paginator(systems, PAGE_SIZE).get_page(ascii_int(request.GET.get("page")) or 1)
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    context = {"page": page, "systems": attach_reasons(page), "filters": filters, "query": query.urlencode(),
               "columns": filters.columns(unsorted.urlencode()), **fleet_check(filters, page)}  # fmt: skip
    template = "portal/system_list.html#system-rows" if request.htmx else "portal/system_list.html"
    return render(request, template, context)


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def system_detail(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_with_health(sid, client)
    run = latest_run(system)
    context = {
        "system": system,
        "setup": getattr(system, "mail_setup", None),
        "tab": "health",
        "run": run,
        "rows": run_progress(run) if run else [],
        "history": history(system),
        "schedule": next_check(system, run),
        "timeline": timeline(system, timezone.now()),
    }
    return render(request, "portal/system_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("portal.add_sapsystem", raise_exception=True)
def system_create(request: HttpRequest) -> HttpResponse:
    """Add a system. Opened from Exchange's report ("add as a system"), it comes prefilled, and the setup that
    follows starts with the account Exchange saw (``sender``, ``option``)."""
    prefill = {name: request.GET[name][:200] for name in ("description", "owner") if name in request.GET}
    form = SystemForm(request.POST if request.method == "POST" else None, initial=prefill)
    then = _setup_prefill(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST" and form.is_valid():
        system = form.save()
        AuditEvent.record("system.created", source=AuditEvent.Source.WEB, system=system, actor=request.user)
        for notice in form.notices:
            messages.info(request, notice)
        messages.success(request, f"{system} added. Now choose how it sends mail.")
        url = reverse("setup_edit", args=[system.sid, system.client])
        return redirect(f"{url}?{urlencode(then)}" if then else url)
    return render(request, "portal/system_create.html", {"form": form, "then": then})


def _setup_prefill(data: QueryDict) -> dict[str, str]:
    """The option and account a new system's setup form starts with, when Exchange's report named them."""
    sender = data.get("sender", "").strip()[:254]
    option = data.get("option", "")
    then = {"option": option} if option in OPTIONS else {}
    return then | ({"sender": sender, "mailbox": sender} if sender else {})


@require_http_methods(["GET", "POST"])
@permission_required("portal.change_sapsystem", raise_exception=True)
def system_edit(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    before = {name: getattr(system, name) for name in SystemForm.Meta.fields}
    form = SystemForm(request.POST if request.method == "POST" else None, instance=system, editing=True)
    if request.method == "POST" and form.is_valid():
        system = form.save()
        changes = audit_changes(before, {name: getattr(system, name) for name in SystemForm.Meta.fields}, set())
        AuditEvent.record(
            "system.updated", source=AuditEvent.Source.WEB, system=system, actor=request.user, changes=changes
        )
        messages.success(request, f"{system} saved.")
        return redirect("system_detail", sid=system.sid, client=system.client)
    context = {"form": form, "system": system, "setup": getattr(system, "mail_setup", None), "tab": "system"}
    return render(request, "portal/system_edit.html", context)
