"""A system's Configuration tab (its mail setup, audited) and Steps tab (the generated guide)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.config import CREDENTIALS, DEFAULT_CREDENTIAL
from connectors.guide import Guide
from connectors.problems import Problem
from connectors.registry import DEFAULT_OPTION, OPTIONS
from portal import runbooks
from portal.change_words import event_words
from portal.forms import SetupForm
from portal.guides import guide_for_setup
from portal.models import AuditEvent, MailSetup, SapSystem, audit_changes, setup_snapshot
from portal.roles import permission_required
from portal.views.queries import latest_run, system_for
from portal.views.schedule import schedule_context

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


def _credential_from(data: Any, setup: MailSetup | None) -> str:
    wanted = data.get("credential", "")
    return wanted if wanted in CREDENTIALS else (setup.credential if setup else DEFAULT_CREDENTIAL)


def _form(request: HttpRequest, instance: MailSetup, data: QueryDict, *, bound: bool) -> SetupForm:
    """The form of the option and credential chosen (typed, else saved); unbound, it keeps what was typed."""
    saved = instance if instance.pk else None
    chosen = {"option": _option_from(data, saved), "credential": _credential_from(data, saved)}
    if bound:
        return SetupForm(request.POST, request.FILES, instance=instance, **chosen)
    return SetupForm(instance=instance, initial=_typed_so_far(data), **chosen)


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
    runbooks.sync(system)  # a new option closes the runbook (kept as history), starts another
    return setup


@require_http_methods(["GET", "POST"])
@permission_required("portal.change_mailsetup", raise_exception=True)
def setup_edit(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    existing: MailSetup | None = getattr(system, "mail_setup", None)
    saving = request.method == "POST" and "switch" not in request.POST  # switch: another option's fields, no JS
    form = _form(request, existing or MailSetup(system=system), request.POST or request.GET, bound=saving)
    if saving and _valid_for_connector(form):
        _save(request, form, system, existing)
        messages.success(request, "Mail setup saved.")
        return redirect("setup_edit", sid=system.sid, client=system.client)
    shows_saved = existing is not None and not form.is_bound and form.option == existing.option
    warnings = _listed(form, [p for p in _problems(existing) if not p.is_error] if shows_saved else [])
    audited = system.audit_events.exclude(action__startswith="alert.")  # alerts are not configuration changes
    events = [event_words(event) for event in audited.select_related("actor")[:10]]
    context = {"system": system, "setup": existing, "form": form, "problems": warnings, "tab": "configuration",
               "events": events, "option": form.option, "credential": form.credential,
               "field_checks": _by_field(form, warnings), **schedule_context(system)}  # fmt: skip
    template = "portal/setup_edit.html#setup-fields" if request.htmx else "portal/setup_edit.html"
    return render(request, template, context)


@require_POST
@permission_required("portal.change_mailsetup", raise_exception=True)
def setup_check(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    """The connector's rules on the values as typed, before saving (the form posts here on every change):
    the summary, and each field's own slot swapped out of band."""
    system = system_for(sid, client)
    existing: MailSetup | None = getattr(system, "mail_setup", None)
    form = _form(request, existing or MailSetup(system=system), request.POST, bound=True)
    problems = _problems(form.instance) if form.is_valid() else []
    typed = [Problem(name, str(error), "error") for name, errors in form.errors.items() for error in errors]
    listed = _listed(form, typed + problems)
    context = {"form": form, "problems": listed, "checked": True, "setup": existing,
               "field_checks": _by_field(form, listed)}  # fmt: skip
    return render(request, "portal/setup_edit.html#setup-checked", context)


def _listed(form: SetupForm, problems: list[Problem]) -> list[tuple[str, str, str, str]]:
    """(level, field name, what the page calls the field, message) per problem."""
    return [(problem.level, problem.field, form.label_of(problem.field), problem.message) for problem in problems]


def _by_field(form: SetupForm, listed: list[tuple[str, str, str, str]]) -> dict[str, list[tuple[str, str, str]]]:
    """The problems of each field the form shows (every one, so a corrected field's slot empties too)."""
    found: dict[str, list[tuple[str, str, str]]] = {name: [] for name in form.fields}
    for level, name, label, message in listed:
        if name in found:
            found[name].append((level, label, message))
    return found


def _typed_so_far(data: QueryDict) -> dict[str, str]:
    """What was typed before switching the option (never a secret), so switching loses nothing."""
    skip = {"new_secret", "secret_action", "csrfmiddlewaretoken", "switch"}
    return {key: value for key, value in data.items() if key not in skip}


def _page_guide(system: SapSystem, setup: MailSetup, ticks: dict[str, runbooks.StepState]) -> dict[str, Any]:
    """The guide as the page shows it: steps grouped by place, each with its check's latest result and its tick."""
    guide = _guide(setup).to_dict()
    run = latest_run(system)
    results = {result.key: result for result in run.results.all()} if run else {}
    by_number = {step["number"]: {**step, "result": results.get(step["check"]), "tick": ticks.get(step["key"])}
                 for step in guide["steps"]}  # fmt: skip
    guide["problems"] = [{**problem, "field": field_label(problem["field"])} for problem in guide["problems"]]
    guide["grouped"] = [
        {"label": group["where_label"], "where": group["where"], "steps": [by_number[n] for n in group["steps"]]}
        for group in guide["groups"]
    ]
    return guide


def _placeholder_links(request: HttpRequest, system: SapSystem) -> dict[str, str]:
    """Where each field a placeholder stands for is filled in, for users who may fill it in."""
    links: dict[str, str] = {}
    if request.user.has_perm("portal.change_sapsystem"):
        url = reverse("system_edit", args=[system.sid, system.client])
        links |= {field.name: f"{url}#id_{field.name}" for field in SapSystem._meta.concrete_fields}
    if request.user.has_perm("portal.change_mailsetup"):
        url = reverse("setup_edit", args=[system.sid, system.client])
        links |= {field.name: f"{url}#id_{field.name}" for field in MailSetup._meta.concrete_fields}
    return links


@require_GET
@permission_required("portal.view_mailsetup", raise_exception=True)
def setup_steps(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    setup: MailSetup | None = getattr(system, "mail_setup", None)
    book = runbooks.sync(system) if setup else None  # the runbook follows the setup the page shows
    if book is not None:
        system.runbook_done, system.runbook_steps = book.done_count, book.step_count
    guide = _page_guide(system, setup, runbooks.step_states(book)) if setup else None
    context = {"system": system, "setup": setup, "guide": guide, "tab": "steps", "runbook": book,
               "earlier_runbooks": runbooks.history(system), "links": _placeholder_links(request, system)}  # fmt: skip
    return render(request, "portal/setup_steps.html", context)


@require_POST
@permission_required("portal.change_mailsetup", raise_exception=True)
def step_tick(request: HttpRequest, sid: str, client: str, key: str) -> HttpResponse:
    """Tick (done=1) or untick (done=0) one step of the runbook; audited. Back to the step either way."""
    system = system_for(sid, client)
    try:
        runbooks.tick(system, key, request.POST.get("done") == "1", user=request.user)
    except runbooks.UnknownStep:
        messages.error(request, "That step is no longer in this system's guide: the page was out of date.")
        return redirect("setup_steps", sid=system.sid, client=system.client)
    return redirect(reverse("setup_steps", args=[system.sid, system.client]) + f"#step-{slugify(key)}")


@require_GET
@permission_required("portal.view_mailsetup", raise_exception=True)
def setup_script(request: HttpRequest, sid: str, client: str, key: str) -> HttpResponse:
    """One of the guide's PowerShell scripts as a .ps1 download."""
    system = system_for(sid, client)
    setup: MailSetup | None = getattr(system, "mail_setup", None)
    script = next((s for s in _guide(setup).scripts if s.key == key), None) if setup else None
    if script is None:
        raise Http404("This system's guide has no such script.")
    # With a byte order mark: Windows PowerShell 5.1 reads a .ps1 without one as ANSI and garbles "—".
    response = HttpResponse("\ufeff" + script.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{script.filename}"'
    return response


@require_GET
@permission_required("portal.view_mailsetup", raise_exception=True)
def setup_steps_markdown(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    setup: MailSetup | None = getattr(system, "mail_setup", None)
    text = _guide(setup).to_markdown() if setup else f"# {system}\n\nNo mail setup yet.\n"
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{system.sid}-{system.client}-mail-steps.md"'
    return response
