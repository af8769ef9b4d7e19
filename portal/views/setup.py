"""A system's Configuration tab (its mail setup, audited) and Steps tab (the generated guide)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.guide import Guide
from connectors.problems import Problem
from connectors.registry import DEFAULT_OPTION, OPTIONS
from portal.forms import SetupForm, secret_name
from portal.guides import guide_for_setup
from portal.models import AuditEvent, MailSetup, SapSystem, audit_changes, setup_snapshot
from portal.roles import permission_required
from portal.views.queries import latest_run, system_for

SECRET_FIELDS = {"client_secret", "private_key"}


def field_label(name: str) -> str:
    """A rule's field as the forms call it ("SMTP host", not smtp_host)."""
    try:
        return str(MailSetup._meta.get_field(name).verbose_name).capitalize() if name else "Setup"
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()


def _option_from(data: Any, setup: MailSetup | None) -> str:
    wanted = data.get("option", "")
    return wanted if wanted in OPTIONS else (setup.option if setup else DEFAULT_OPTION)


def _problems(setup: MailSetup) -> list[Any]:
    return OPTIONS[setup.option].validate(setup.to_config())


def _guide(setup: MailSetup) -> Guide:
    return guide_for_setup(setup.to_config())


def _valid_for_connector(form: SetupForm) -> bool:
    """The form's own checks, then the connector's errors (its warnings never block a save)."""
    if not form.is_valid():
        return False
    for problem in _problems(form.instance):
        if problem.is_error:
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
    return form.is_valid()


def _save(request: HttpRequest, form: SetupForm, system: SapSystem, existing: MailSetup | None) -> MailSetup:
    before = setup_snapshot(MailSetup.objects.filter(pk=existing.pk).first() if existing else None)
    setup = form.save(commit=False)
    setup.system = system
    form.apply_secret(setup)
    form.apply_certificate(setup)
    setup.save()
    AuditEvent.record(
        "mail_setup.updated" if existing else "mail_setup.created",
        source=AuditEvent.Source.WEB,
        system=system,
        actor=request.user,
        changes=audit_changes(before, setup_snapshot(setup), SECRET_FIELDS),
    )
    return setup


@require_http_methods(["GET", "POST"])
@permission_required("portal.change_mailsetup", raise_exception=True)
def setup_edit(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    existing: MailSetup | None = getattr(system, "mail_setup", None)
    option = _option_from(request.POST or request.GET, existing)
    instance = existing or MailSetup(system=system)
    if request.method == "POST" and "switch" not in request.POST:
        form = SetupForm(request.POST, request.FILES, instance=instance, option=option)
        if _valid_for_connector(form):
            _save(request, form, system, existing)
            messages.success(request, "Mail setup saved.")
            return redirect("setup_edit", sid=system.sid, client=system.client)
    else:  # a first look, or (without JavaScript) another option's fields with what was typed so far
        form = SetupForm(instance=instance, option=option, initial=_typed_so_far(request.POST or request.GET))
    shows_saved = existing is not None and not form.is_bound and option == existing.option
    warnings = [p for p in _problems(existing) if not p.is_error] if shows_saved else []
    events = system.audit_events.select_related("actor")[:10]
    context = {"system": system, "setup": existing, "form": form, "problems": _listed(form, warnings), "tab": "configuration",
               "events": events, "secret_name": secret_name(option)}  # fmt: skip
    template = "portal/setup_edit.html#setup-fields" if request.htmx else "portal/setup_edit.html"
    return render(request, template, context)


@require_POST
@permission_required("portal.change_mailsetup", raise_exception=True)
def setup_check(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    """The connector's rules on the values as typed, before saving (the form posts here on every change)."""
    system = system_for(sid, client)
    existing: MailSetup | None = getattr(system, "mail_setup", None)
    form = SetupForm(
        request.POST, instance=existing or MailSetup(system=system), option=_option_from(request.POST, existing)
    )
    problems = _problems(form.instance) if form.is_valid() else []
    typed = [Problem(name, str(error), "error") for name, errors in form.errors.items() for error in errors]
    context = {"form": form, "problems": _listed(form, typed + problems), "checked": True, "setup": existing}
    return render(request, "portal/setup_edit.html#setup-problems", context)


def _listed(form: SetupForm, problems: list[Problem]) -> list[tuple[str, str, str]]:
    return [(problem.level, form.label_of(problem.field), problem.message) for problem in problems]


def _typed_so_far(data: QueryDict) -> dict[str, str]:
    """What was typed before switching the option (never a secret), so switching loses nothing."""
    skip = {"new_secret", "secret_action", "csrfmiddlewaretoken", "switch"}
    return {key: value for key, value in data.items() if key not in skip}


@require_GET
@permission_required("portal.view_mailsetup", raise_exception=True)
def setup_steps(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    setup: MailSetup | None = getattr(system, "mail_setup", None)
    guide = _guide(setup).to_dict() if setup else None
    if guide:
        run = latest_run(system)
        results = {result.key: result for result in run.results.all()} if run else {}
        by_number = {step["number"]: {**step, "result": results.get(step["check"])} for step in guide["steps"]}
        guide["problems"] = [{**problem, "field": field_label(problem["field"])} for problem in guide["problems"]]
        guide["grouped"] = [(group["where_label"], [by_number[n] for n in group["steps"]]) for group in guide["groups"]]
    context = {"system": system, "setup": setup, "guide": guide, "tab": "steps"}
    return render(request, "portal/setup_steps.html", context)


@require_GET
@permission_required("portal.view_mailsetup", raise_exception=True)
def setup_steps_markdown(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    setup: MailSetup | None = getattr(system, "mail_setup", None)
    text = _guide(setup).to_markdown() if setup else f"# {system}\n\nNo mail setup yet.\n"
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{system.sid}-{system.client}-mail-steps.md"'
    return response
