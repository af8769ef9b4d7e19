"""Small formatting helpers for the portal's templates."""

from __future__ import annotations

from datetime import datetime

from django import template

from portal import dates

register = template.Library()
register.filter("when", dates.when)
register.filter("day", dates.day)


@register.filter
def seconds_since(finished: datetime | None, started: datetime | None) -> str:
    """``finished|seconds_since:started`` → "2.4 s" (a run takes seconds; timesince says "0 minutes")."""
    if not finished or not started:
        return ""
    return f"{max((finished - started).total_seconds(), 0):.1f} s"
