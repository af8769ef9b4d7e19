"""Small formatting helpers for the portal's templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from connectors import placeholders
from diagnostics.catalogue import CheckTerm, check_term, entry_of
from portal import dates, health, reasons

register = template.Library()
register.filter("when", dates.when)
register.filter("day", dates.day)
register.filter("ago", dates.ago)


@register.filter
def seconds_since(finished: datetime | None, started: datetime | None) -> str:
    """``finished|seconds_since:started`` → "2.4 s" (a run takes seconds; timesince says "0 minutes")."""
    if not finished or not started:
        return ""
    return f"{max((finished - started).total_seconds(), 0):.1f} s"


@register.filter
def described(field: BoundField, live: bool = False) -> str:
    """The field's widget pointing at what describes it: help, errors and (``live``) the live check's slot."""
    ids = [f"{field.auto_id}_helptext"] if field.help_text else []
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    if live:
        ids.append(f"{field.auto_id}_check")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def linked(text: str, links: dict[str, str] | None) -> str:
    """Generated text with each placeholder (<tenant: set the Tenant field>) marked, and linked to the
    field it stands for when ``links`` has that field (only users who may fill it in get links)."""
    out = []
    for piece, field in placeholders.pieces(text):
        if field and field in (links or {}):
            out.append(format_html('<a class="placeholder" href="{}">{}</a>', links[field], piece))
        elif field:
            out.append(format_html('<mark class="placeholder">{}</mark>', piece))
        else:
            out.append(conditional_escape(piece))
    return mark_safe("".join(out))  # noqa: S308 - every piece was escaped above


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key, ())


@register.filter
def verdict_first(rows: list[dict[str, Any]], run: Any) -> dict[str, Any]:
    """``rows|verdict_first:run``: failures, warnings, then the rest folded (see ``health.verdict_first``)."""
    return health.verdict_first(rows, bool(run and run.is_finished))


@register.filter
def term(key: str) -> CheckTerm | None:
    """A check key's short name and definition, for the jargon tooltip."""
    return check_term(key)


@register.filter
def code_words(result: Any) -> str:
    """A stored result's code in plain words (the catalogue entry's sentence), for the jargon tooltip."""
    entry = entry_of(result.code, result.explanation) if result and result.code else None
    return entry.plain if entry else ""


register.filter("reason", reasons.reason_of)
register.filter("reason_for", reasons.reason_for)
