"""Early warnings, once per threshold: a client secret, password or certificate that expires in 30, 14, 7
or 1 days (PORTAL_EXPIRY_WARNING_DAYS), and each Basic-auth milestone 30 and 7 days ahead
(PORTAL_MILESTONE_WARNING_DAYS) for systems still on an option Microsoft is retiring.

"Once" survives restarts: each warning is an Alert whose key names the date and the threshold, and the
database refuses a second one. A system first seen inside a window gets the nearest threshold only
(10 days left: the 14-day warning, never a late 30-day one). A muted system is skipped, so its warnings
go out after the maintenance window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings

from connectors.retirement import Milestone
from diagnostics.catalogue import explain
from diagnostics.milestones import configured_milestones
from portal import dates
from portal.models import MailSetup
from portal.monitoring.changes import is_muted, system_link
from portal.monitoring.models import Alert
from portal.monitoring.outbox import raise_alert
from portal.progress import retiring_options


def threshold(days_left: int, thresholds: Sequence[int]) -> int | None:
    """The nearest threshold already reached (days_left 10 of 30/14/7/1: 14), None before the first or once past."""
    reached = [days for days in thresholds if days_left <= days]
    return min(reached) if reached and days_left >= 0 else None


def send(today: date) -> int:
    """Raise every warning due today that was not raised before; returns how many."""
    retiring = set(retiring_options())
    milestones = configured_milestones()
    raised = 0
    for setup in MailSetup.objects.select_related("system__alerting").order_by("pk"):
        if is_muted(getattr(setup.system, "alerting", None)):
            continue
        raised += _expiry(setup, today)
        if setup.option in retiring:
            raised += sum(_milestone(setup, milestone, today) for milestone in milestones)
    return raised


def _in_days(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def _expiry(setup: MailSetup, today: date) -> bool:
    what = setup.signs_in_with  # "client secret", "password", "certificate" or "" (signs in with nothing)
    expires = setup.certificate_expires if what == "certificate" else setup.secret_expires
    if not what or expires is None:
        return False
    days = (expires - today).days
    due = threshold(days, settings.PORTAL_EXPIRY_WARNING_DAYS)
    if due is None:
        return False
    system, label = setup.system, str(setup.system)
    facts = {
        "system": label, "link": system_link(system), "health": "amber", "remedy": explain("secret.expires_soon").remedy,
        "headline": f"The {what} {label} signs in with expires {_in_days(days)}, on {dates.day(expires)}; "
                    "when it does, the system's mail stops.",
        "lines": [["Expires", dates.day(expires)], ["Days left", str(days)], ["Warning", f"{due} days ahead"],
                  ["Mail option", setup.get_option_display()]],
    }  # fmt: skip
    subject = f"{label}: the {what} expires {_in_days(days)} ({dates.day(expires)})"
    key = f"expiry:{what}:{expires.isoformat()}:{due}"
    return raise_alert(system, kind=Alert.Kind.EXPIRY, key=key, subject=subject, facts=facts) is not None


def _milestone(setup: MailSetup, milestone: Milestone, today: date) -> bool:
    days = (milestone.date - today).days
    due = threshold(days, settings.PORTAL_MILESTONE_WARNING_DAYS)
    if due is None:
        return False
    system, label = setup.system, str(setup.system)
    entry = explain("basic_auth.retiring")
    facts = {
        "system": label, "link": system_link(system), "health": "amber", "remedy": entry.remedy,
        "headline": f"{label} still sends with Basic authentication ({setup.get_option_display()}). "
                    f"Microsoft's next step comes {_in_days(days)}, on {dates.day(milestone.date)}: {milestone.what}",
        "lines": [["Milestone", dates.day(milestone.date)], ["Days left", str(days)], ["What happens", milestone.what],
                  ["Source", milestone.source or "as configured (PORTAL_BASIC_AUTH_MILESTONES)"]],
    }  # fmt: skip
    subject = f"{label} still uses Basic auth: Microsoft's milestone of {dates.day(milestone.date)} is {_in_days(days)}"
    key = f"milestone:{milestone.date.isoformat()}:{due}"
    return raise_alert(system, kind=Alert.Kind.MILESTONE, key=key, subject=subject, facts=facts) is not None
