"""The audit log in words for the Configuration page: "SAP_BASIS release set to 8.16 by admin, 30 Nov 2026 02:54"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from portal import dates
from portal.models import AuditEvent, MailSetup, SapSystem
from portal.validators import format_release

ACTIONS = {
    "system.created": "System added",
    "system.imported": "System imported from a CSV file",
    "system.updated": "System facts changed",
    "mail_setup.created": "Mail setup created",
    "mail_setup.updated": "Mail setup changed",
    "system.alerts_muted": "Alerts muted (maintenance window)",
    "runbook.ticked": "Runbook step ticked",
    "runbook.unticked": "Runbook step unticked",
    "alert.raised": "Alert raised",
    "alert.muted": "Alert held back (maintenance window)",
    "alert.sent": "Alert delivered",
    "alert.undelivered": "Alert not delivered (gave up)",
    "alert.delivery_failed": "Alert delivery failed, to be retried",
}
SECRETS = {"client_secret": "Client secret or password", "private_key": "Test certificate key"}
LONGEST = 60


@dataclass(frozen=True)
class EventWords:
    headline: str  # the one change, or what happened when there were several
    changes: list[str]  # the changes when there were several
    by: str  # "by admin, 30 Nov 2026 02:54" or "through the CSV import, …"


def event_words(event: AuditEvent) -> EventWords:
    lines = [line for name, change in event.changes.items() if (line := _change_line(name, change))]
    headline = lines[0] if len(lines) == 1 else ACTIONS.get(event.action, event.action)
    if event.actor is None:  # an import or a command with no one signed in
        by = f"through the {event.get_source_display()}, {dates.when(event.at)}"
    else:
        source = "" if event.source == AuditEvent.Source.WEB else f" ({event.get_source_display()})"
        by = f"by {event.actor.get_username()}, {dates.when(event.at)}{source}"
    return EventWords(headline, lines if len(lines) > 1 else [], by)


def _change_line(name: str, change: Any) -> str:
    if name in SECRETS:
        return f"{SECRETS[name]} {change}"  # "set", "replaced" or "cleared": never a value
    if name == "runbook_step":  # "<title>: not done" → "<title>: done": the new state is the news, shortened last
        title, _, state = str(change[1]).rpartition(": ")
        return f"“{_value('', title)}”: {state}"
    old, new = (_value(name, value) for value in change)
    label = _field(name)
    if not old and not new:
        return ""  # an import that wrote an empty value over nothing: no news
    if not old:
        return f"{label} set to {new}"
    if not new:
        return f"{label} cleared (was {old})"
    return f"{label} changed from {old} to {new}"


def _field(name: str) -> str:
    for model in (SapSystem, MailSetup):
        try:
            label = str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
        return label[:1].upper() + label[1:]
    return name.replace("_", " ").capitalize()


def _value(name: str, raw: Any) -> str:
    if raw in (None, "", []):
        return ""
    if name == "basis_release" and isinstance(raw, int):
        return format_release(raw)
    if isinstance(raw, list):
        return " ".join(str(item) for item in raw)
    for model in (SapSystem, MailSetup):
        field = _model_field(model, name)
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(raw, raw))
        if isinstance(field, models.DateField) and isinstance(raw, str):
            try:
                return dates.day(date.fromisoformat(raw))
            except ValueError:
                return raw
    text = str(raw)
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def _model_field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None
