"""One way to write a date on every page, in every message and in the date inputs: 30 Nov 2026 03:49.

Django's own DATE_FORMAT setting loses to the locale's format files, so pages use these helpers
(template filters ``when`` and ``day`` in ``portal_pages``) instead of ad-hoc ``|date`` strings.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import dateformat, timezone

MOMENT = "d M Y H:i"  # 30 Nov 2026 03:49, in the portal's time zone
DAY = "d M Y"  # 30 Nov 2026
# The same for date inputs (strftime/strptime codes); ISO dates are read too, for pasted values.
INPUT_DAY = "%d %b %Y"
INPUT_DAY_FORMATS = [INPUT_DAY, "%Y-%m-%d", "%d %B %Y"]


def when(moment: datetime | None) -> str:
    return dateformat.format(timezone.localtime(moment), MOMENT) if moment else ""


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, rounded the way people say it: "just now", "25 min ago", "3 h ago", "2 days ago"."""
    if moment is None:
        return ""
    seconds = max(0, int(((now or timezone.now()) - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def day(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return dateformat.format(value, DAY) if value else ""


def duration(delta: timedelta) -> str:
    """3 d 4 h, 5 h 10 min, 12 min: a span as long as it takes to read."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"
