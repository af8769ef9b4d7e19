"""What a finished run changes: the system's health once it held long enough, and the root CA its mail
server's chain needs. ``after_run`` is the one hook, called at the end of every run (portal/runs.py).

Damping: a new health counts once PORTAL_ALERT_AFTER_RUNS consecutive runs agree (2 by default), so
a system that fails every other run never turns anything. What counts is ``confirmed``; what people
were told is ``announced``; an alert goes out when the two differ and the system is not muted. A change
during a maintenance window is therefore told after the window if it still holds then, and not at
all if the system came back meanwhile.

Who hears what: a change to or from red goes to everyone (the contact, every subscription that
covers the system); a change between green and amber only to subscriptions that chose warnings.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from diagnostics.checks.tls import strust_root
from diagnostics.models import CheckResult, DiagnosticRun
from portal import dates
from portal.health import VERDICT_HEALTH, first_findings
from portal.models import AuditEvent, Health, SapSystem
from portal.monitoring.models import Alert, SystemAlerting
from portal.monitoring.outbox import raise_alert
from portal.reasons import Reason, reason_for

logger = logging.getLogger(__name__)

LOOK_BACK = 200  # runs read to find where the current streak began
EVERYONE, WARNINGS_ONLY = "everyone", "warnings"


def after_run(run: DiagnosticRun) -> None:
    """Evaluate a finished run. Never raises: the run is over, and alerting must not make it fail."""
    if run.state != DiagnosticRun.State.DONE:
        return  # an aborted run says nothing about the mail
    try:
        with transaction.atomic():
            health_change(run)
        root_change(run)
    except Exception:  # noqa: BLE001 - logged with its traceback; the next run evaluates again
        logger.exception("alerts after run %s could not be evaluated", run.pk)


def system_link(system: SapSystem) -> str:
    return settings.PORTAL_BASE_URL + reverse("system_detail", args=[system.sid, system.client])


def is_muted(state: SystemAlerting | None) -> bool:
    return bool(state and state.is_muted)


# -- health ------------------------------------------------------------------------------------------
def _streak(system_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The health of the latest finished runs and the runs of its streak, newest first."""
    runs = DiagnosticRun.objects.filter(system_id=system_id, state=DiagnosticRun.State.DONE)
    streak: list[dict[str, Any]] = []
    health = Health.UNKNOWN
    for row in runs.order_by("-finished_at", "-id").values("pk", "verdict", "finished_at")[:LOOK_BACK]:
        this = VERDICT_HEALTH.get(row["verdict"], Health.UNKNOWN)
        if streak and this != health:
            break
        health = this
        streak.append(row)
    return health, streak


def audience(before: str, after: str) -> str | None:
    """Who hears of a change from ``before`` to ``after``: everyone, those who chose warnings, or nobody."""
    if Health.RED in (before, after):
        return EVERYONE
    if Health.AMBER in (before, after):
        return WARNINGS_ONLY
    return None  # unknown to green: a new system that works is no news


def baseline(system: SapSystem) -> SystemAlerting:
    """Settle a system's alerting state from the runs it has, telling nobody: for a system that arrives with
    its history (the demo's), so that what it went through before is not announced as news."""
    confirmed, since, streak_health, streak = Health.UNKNOWN, None, None, []
    runs = DiagnosticRun.objects.filter(system=system, state=DiagnosticRun.State.DONE)
    for finished_at, verdict in runs.order_by("finished_at", "id").values_list("finished_at", "verdict"):
        health = VERDICT_HEALTH.get(verdict, Health.UNKNOWN)
        streak = streak + [finished_at] if health == streak_health else [finished_at]
        streak_health = health
        if len(streak) >= settings.PORTAL_ALERT_AFTER_RUNS and health != confirmed:
            confirmed, since = health, streak[0]
    state, _ = SystemAlerting.objects.update_or_create(
        system=system, defaults={"confirmed": confirmed, "confirmed_since": since, "announced": confirmed}
    )
    return state


def health_change(run: DiagnosticRun) -> Alert | None:
    system = _system_of(run)
    state = SystemAlerting.objects.select_for_update().filter(system=system).first()
    if state is None:  # the system's first finished run
        SystemAlerting.objects.get_or_create(system=system)
        state = SystemAlerting.objects.select_for_update().get(system=system)
    health, streak = _streak(system.pk)
    before, before_since = state.announced, state.confirmed_since
    newly = len(streak) >= settings.PORTAL_ALERT_AFTER_RUNS and health != state.confirmed
    if newly:
        state.confirmed, state.confirmed_since = health, streak[-1]["finished_at"]
    elif state.confirmed == state.announced:
        return None  # nothing changed: most runs of a sweep end here, without a write
    alert = None
    if state.confirmed != state.announced:
        if is_muted(state):
            if newly:
                AuditEvent.record("alert.muted", source=AuditEvent.Source.MONITOR, system=system, changes={
                    "health": [state.announced, state.confirmed], "muted_until": [None, dates.when(state.muted_until)]})  # fmt: skip
            state.save()
            return None
        told = audience(before, state.confirmed)
        if told is not None:
            subject, facts = health_facts(system, state, before, before_since)
            alert = raise_alert(system, kind=Alert.Kind.HEALTH, key=f"health:{run.pk}", subject=subject,
                                facts=facts, run=run, amber_only=told == WARNINGS_ONLY)  # fmt: skip
        state.announced = state.confirmed
    state.save()
    return alert


def _system_of(run: DiagnosticRun) -> SapSystem:
    """The run's system with its mail setup: the one the run was prepared with (portal.runs), else read."""
    if DiagnosticRun.system.is_cached(run) and SapSystem.mail_setup.is_cached(run.system):
        return run.system
    return SapSystem.objects.select_related("mail_setup").get(pk=run.system_id)


def _reason(system: SapSystem, health: str) -> Reason | None:
    """Why the system has this health: the first problem of its latest run with that health."""
    verdicts = [verdict for verdict, state in VERDICT_HEALTH.items() if state == health]
    run = system.runs.filter(state=DiagnosticRun.State.DONE, verdict__in=verdicts).order_by("-finished_at").first()
    found = first_findings([run.pk]).get(run.pk) if run else None
    return reason_for(found) if found else None


def health_facts(
    system: SapSystem, state: SystemAlerting, before: str, before_since: Any
) -> tuple[str, dict[str, Any]]:
    now, was = Health(state.confirmed), Health(before)
    label = str(system)
    who = f"{label} ({system.description})" if system.description else label
    reason = _reason(system, now) if now in (Health.RED, Health.AMBER) else None
    why = f": {reason.short}" if reason else ""
    if now == Health.RED:
        subject = f"{label} is red{why}"
        headline = (
            f"{who} {'is red after its first checks' if was == Health.UNKNOWN else 'turned red'}: its mail fails."
        )
    elif was == Health.RED:
        subject = (
            f"{label} recovered: {'mail works again' if now == Health.GREEN else 'mail works again, with warnings'}"
        )
        headline = f"{who} recovered: {now.meaning}."
    elif now == Health.AMBER:
        subject, headline = f"{label} has warnings{why}", f"{who} has warnings: its mail {now.meaning}."
    else:
        subject, headline = f"{label}: warnings cleared", f"{who} is green again: {now.meaning}."
    lines: list[list[str]] = [
        ["Health", f"{now.label}: {now.meaning}" + (f" (was {was.label.lower()})" if was != Health.UNKNOWN else "")],
        ["Since", dates.when(state.confirmed_since)],
    ]
    if was == Health.RED and before_since and state.confirmed_since:
        lines.append(["Red for", dates.duration(state.confirmed_since - before_since)])
    if reason:
        noun = "Failing check" if reason.status in ("fail", "error") else "Check with a warning"
        lines += [[noun, f"{reason.name} ({reason.key})"], ["Code", reason.code or "none"],
                  ["What it means", reason.what], ["In plain words", reason.plain], ["Who fixes it", reason.fixed_by]]  # fmt: skip
    setup = getattr(system, "mail_setup", None)
    lines += [["Landscape role", system.get_role_display() or "not set"],
              ["Mail option", setup.get_option_display() if setup else "no mail setup"]]  # fmt: skip
    facts = {
        "system": label, "headline": headline, "lines": lines, "remedy": reason.remedy if reason else "",
        "link": system_link(system), "health": str(now), "previous_health": str(was),
        "since": state.confirmed_since.isoformat() if state.confirmed_since else None,
        "check": reason.key if reason else None, "code": reason.code if reason else None,
    }  # fmt: skip
    return subject, facts


# -- the root CA ---------------------------------------------------------------------------------------
def root_change(run: DiagnosticRun) -> Alert | None:
    """The root the mail server's chain ends at differs from the previous run's: SAP's STRUST must follow."""
    mine = run.saved_findings("tls.certificate", evidence=True).get("tls.certificate")
    root = strust_root(mine.evidence if mine else "")
    if not root:
        return None
    earlier = CheckResult.objects.filter(
        run__system_id=run.system_id, run__state=DiagnosticRun.State.DONE, key="tls.certificate",
        run__finished_at__lt=run.finished_at,
    ).exclude(run=run)  # fmt: skip
    previous = strust_root(earlier.order_by("-run__finished_at").values_list("evidence", flat=True).first() or "")
    if not previous or previous == root:
        return None
    system = _system_of(run)
    label = str(system)
    remedy = (
        f"Import the new root '{root}' into STRUST (SSL client PSE, e.g. SSL client Standard / Anonymous) on "
        f"every application server of {system.sid}, then restart the ICM (SMICM); keep the old root until no "
        "server sends it any more."
    )
    facts = {
        "system": label, "link": system_link(system), "remedy": remedy, "health": None,
        "headline": f"The mail server of {label} now presents a certificate chain that ends at another root CA. "
                    "SAP verifies that chain against STRUST: without the new root, its TLS connection fails.",
        "lines": [["Root CA now", root], ["Root CA before", previous], ["Seen in run", dates.when(run.finished_at)]],
    }  # fmt: skip
    key = "root_ca:" + hashlib.sha256(f"{previous}>{root}".encode()).hexdigest()[:24]
    return raise_alert(system, kind=Alert.Kind.ROOT_CA, key=key, subject=f"{label}: the root CA changed — update STRUST",
                       facts=facts, run=run, muted=is_muted(getattr(system, "alerting", None)))  # fmt: skip
