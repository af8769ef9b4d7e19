"""Where each system stands on the way off Basic auth: the four numbers of the dashboard's headline.

Defined once, here, as one database expression (``with_progress``): the headline counts it, the
systems list filters on it, the open-systems list and the exports read it. Nothing else decides
whether a system "has moved".
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, Q, QuerySet, Value, When

from connectors.registry import OPTIONS
from portal.models import Health, SapSystem


class Progress(models.TextChoices):
    """The four places a system can be, in the order the headline shows them."""

    MOVED_HEALTHY = "moved_healthy", "moved and healthy"
    MOVED_FAILING = "moved_failing", "moved, but failing or stale"
    ON_BASIC = "on_basic", "still on Basic auth"
    NOT_SET_UP = "not_set_up", "not set up"


# Mail flows: green, and amber too — an amber run passed every check that decides whether mail is
# delivered and warned about something to watch (a relay hop on TLS 1.0, a secret that expires soon,
# the mailbox's connection limit). Those warnings are listed beside the headline; counting such a
# system as "not done" would hide the ones that really fail.
WORKING = (Health.GREEN, Health.AMBER)
# No proof that mail flows now: failing, never checked, or (issue 10) a verdict too old to trust.
NOT_WORKING = (Health.RED, Health.STALE, Health.UNKNOWN)


def retiring_options() -> list[str]:
    """The registry's options that Microsoft is switching off (SMTP AUTH with Basic auth)."""
    return [code for code, option in OPTIONS.items() if option.retiring]


def moved() -> Q:
    """Has a mail setup whose option is not retiring — nor, for a relay server, the relay's own way
    into Exchange Online (a relay that signs in with a password has not moved either)."""
    retiring = retiring_options()
    return (
        Q(mail_setup__isnull=False) & ~Q(mail_setup__option__in=retiring) & ~Q(mail_setup__upstream_option__in=retiring)
    )


def progress_of() -> Case:
    """The Progress of each system of a ``health.with_health`` queryset (it reads the ``health`` annotation).

    - moved and healthy: ``moved()`` and its health is WORKING (green or amber);
    - moved, but failing or stale: ``moved()`` and its health is anything else (red, never checked,
      or stale);
    - still on Basic auth: a mail setup whose option (or relay upstream) is retiring, whatever its health;
    - not set up: no mail setup at all.
    """
    return Case(
        When(mail_setup__isnull=True, then=Value(Progress.NOT_SET_UP)),
        When(moved() & Q(health__in=WORKING), then=Value(Progress.MOVED_HEALTHY)),
        When(moved(), then=Value(Progress.MOVED_FAILING)),
        default=Value(Progress.ON_BASIC),
        output_field=models.CharField(),
    )


def with_progress(systems: QuerySet[SapSystem]) -> QuerySet[SapSystem]:
    """Annotate ``progress`` (a Progress value) on a ``with_health`` queryset."""
    return systems.annotate(progress=progress_of())


def percent(part: int, whole: int) -> int:
    """Rounded down, so 99.6 % never reads as done: 100 % only when every system is."""
    return 100 * part // whole if whole else 100
