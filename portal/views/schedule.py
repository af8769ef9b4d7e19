"""A system's scheduled checks on its pages: when the next one comes (and why it waits, after a failed sign-in),
and its own interval, set on the Configuration tab."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from diagnostics.models import DiagnosticRun
from portal.forms import ScheduleForm
from portal.models import AuditEvent, SapSystem, audit_changes
from portal.roles import permission_required
from portal.schedule import next_check, role_minutes
from portal.views.queries import system_for


def schedule_context(
    system: SapSystem, latest: DiagnosticRun | None = None, form: ScheduleForm | None = None
) -> dict[str, Any]:
    """``schedule`` (portal.schedule.NextCheck) and ``schedule_form`` for the pages that show them."""
    form = form or ScheduleForm(instance=system, default_minutes=role_minutes(system.role))
    return {"schedule": next_check(system, latest), "schedule_form": form}


@require_POST
@permission_required("portal.change_mailsetup", raise_exception=True)
def schedule_edit(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    before = {"check_interval": system.check_interval}
    # The form gets its own copy: a refused value must not reach the system the error page describes.
    form = ScheduleForm(request.POST, instance=system_for(sid, client), default_minutes=role_minutes(system.role))
    if not form.is_valid():  # its own small page: the error beside the field, nothing else lost
        context = {"system": system, "setup": getattr(system, "mail_setup", None), "tab": "configuration"}
        return render(request, "portal/schedule_edit.html", {**context, **schedule_context(system, form=form)})
    system = form.save()
    changes = audit_changes(before, {"check_interval": system.check_interval}, set())
    if changes:
        AuditEvent.record("system.updated", source=AuditEvent.Source.WEB, system=system, actor=request.user,
                          changes=changes)  # fmt: skip
    messages.success(request, "Schedule saved.")
    return redirect("setup_edit", sid=system.sid, client=system.client)
