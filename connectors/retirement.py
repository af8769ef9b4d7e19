"""Microsoft's retirement of Basic authentication for SMTP AUTH: milestones as data.

Dates move (they already did twice), so they are data with a source. The portal's
``PORTAL_BASIC_AUTH_MILESTONES`` setting (a JSON list of ``{"date", "what", "source"}``) becomes
milestones through ``configured_milestones`` only; unset or empty, the defaults below apply, taken
from reference/exchange-online.md. One rule for "none given" everywhere: ``or_default``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

REMOVED_REPLY = "550 5.7.30 Basic authentication is not supported for Client Submission."


@dataclass(frozen=True)
class Milestone:
    date: date
    what: str
    source: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "what": self.what, "source": self.source}


_SOURCE = "Microsoft 365 message center MC786329 and the Exchange Team blog (update of 27 January 2026)"

DEFAULT_MILESTONES: tuple[Milestone, ...] = (
    Milestone(
        date(2026, 12, 31),
        "End of December 2026: Basic authentication for SMTP AUTH is switched off by default in "
        "existing tenants (an administrator can still switch it back on); tenants created after "
        "that have it off by default.",
        _SOURCE,
    ),
    Milestone(
        date(2027, 7, 1),
        "Second half of 2027: Microsoft announces the date Basic authentication for SMTP AUTH is "
        f"removed for good; from then on a Basic login is answered with '{REMOVED_REPLY}'",
        _SOURCE,
    ),
)


def parse_milestones(items: Iterable[Mapping[str, str]]) -> tuple[Milestone, ...]:
    """Milestones from the setting's JSON objects, sorted by date. Raises ValueError when malformed."""
    milestones: list[Milestone] = []
    for position, item in enumerate(items, start=1):
        try:
            when = date.fromisoformat(str(item["date"]))
            what = str(item["what"]).strip()
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"milestone {position}: needs 'date' (YYYY-MM-DD) and 'what' ({exc})") from exc
        if not what:
            raise ValueError(f"milestone {position}: 'what' is empty")
        milestones.append(Milestone(when, what, str(item.get("source", "")).strip()))
    return tuple(sorted(milestones, key=lambda milestone: milestone.date))


def or_default(milestones: Sequence[Milestone] | None) -> tuple[Milestone, ...]:
    """The milestones given, or Microsoft's announced ones when none are."""
    return tuple(milestones) if milestones else DEFAULT_MILESTONES


def configured_milestones(setting: Iterable[Mapping[str, str]] | None) -> tuple[Milestone, ...]:
    """What PORTAL_BASIC_AUTH_MILESTONES gives: parsed and sorted, the defaults when unset or empty.

    Raises ValueError naming the malformed milestone.
    """
    return or_default(parse_milestones(setting or ()))


def next_milestone(milestones: Sequence[Milestone], today: date) -> Milestone | None:
    upcoming = [milestone for milestone in milestones if milestone.date >= today]
    return min(upcoming, key=lambda milestone: milestone.date) if upcoming else None


def retirement_summary(milestones: Sequence[Milestone] | None = None, today: date | None = None) -> str:
    """One paragraph: what happens next and when, for every smtp_basic output."""
    chosen = or_default(milestones)
    today = today or date.today()
    upcoming = next_milestone(chosen, today)
    if upcoming is None:
        latest = max(chosen, key=lambda milestone: milestone.date)
        return (
            f"Basic authentication for SMTP AUTH is retiring; the last known milestone "
            f"({latest.date.isoformat()}) has passed: {latest.what} Expect '{REMOVED_REPLY}'"
        )
    days = (upcoming.date - today).days
    return (
        f"Basic authentication for SMTP AUTH is retiring. Next milestone in {days} days "
        f"({upcoming.date.isoformat()}): {upcoming.what}"
    )
