"""The helpdesk's health card of a system: what is wrong in plain words, who fixes it, since when,
whom to escalate to, and a ready ticket text (the reasons come from ``portal.reasons``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from portal import dates
from portal.models import Health, SapSystem
from portal.reasons import Reason, reason_of

HEADLINES = {
    Health.RED: "Mail from {system} is not being sent",
    Health.AMBER: "Mail from {system} is sent, with a warning",
    Health.GREEN: "Mail from {system} works",
    Health.UNKNOWN: "Mail from {system} has not been checked yet",
    Health.STALE: "Mail from {system} worked when last checked, but that is overdue",
}
_PROBLEMS = (Health.RED, Health.AMBER)


@dataclass(frozen=True)
class Card:
    system: SapSystem
    health: Health
    headline: str
    plain: str  # what is wrong, for a non-specialist ("" when nothing is)
    fixed_by: str
    since: str  # "30 Nov 2026 03:49"
    reason: Reason | None  # the technical detail, one click away
    ticket: str
    checking: bool = False  # a run is under way: the card follows it

    @property
    def since_label(self) -> str:
        return "Failing since" if self.health == Health.RED else "Warning since"


def card_for(system: SapSystem, link: str, *, checking: bool = False) -> Card:
    """``system`` annotated by ``with_health`` and ``with_first_finding``; ``link`` its absolute URL."""
    health = system.health_state
    reason = reason_of(system) if health in _PROBLEMS else None
    headline = HEADLINES[health].format(system=system)
    if reason is not None:
        plain, fixed_by = reason.plain, reason.fixed_by
    elif health in _PROBLEMS:
        plain, fixed_by = "The portal has no detail on this failure; the system's Health tab shows the runs.", ""
    elif health == Health.GREEN:
        plain, fixed_by = f"The last check, {dates.when(system.last_run_at)}, found nothing wrong.", ""
    elif health == Health.STALE:
        plain = (f"The last check, {dates.ago(system.last_run_at)}, found nothing wrong, but scheduled checks "
                 "should have run since: run the checks to know how it is now.")  # fmt: skip
        fixed_by = ""
    else:
        plain, fixed_by = "Run the checks to find out.", ""
    since = dates.when(system.health_since) if health in _PROBLEMS else ""
    card = Card(system, health, headline, plain, fixed_by, since, reason, "", checking)
    return replace(card, ticket=ticket_text(card, link))


def ticket_text(card: Card, link: str) -> str:
    """The text a helpdesk agent pastes into a ticket: system, what fails, since when, code, who fixes it, link."""
    system = card.system
    lines = [f"{card.headline} ({system.description})." if system.description else f"{card.headline}."]
    if card.plain:
        lines.append(f"What fails: {card.plain}")
    if card.since:
        lines.append(f"Since: {card.since}")
    if card.reason:
        code = f", code {card.reason.code}" if card.reason.code else ""
        lines.append(f"Check: {card.reason.name} ({card.reason.key}){code}")
    if card.fixed_by:
        lines.append(f"Who fixes it: {card.fixed_by}")
    owner = " ".join(filter(None, [system.owner, f"<{system.contact_email}>" if system.contact_email else ""]))
    if owner:
        lines.append(f"System owner: {owner}")
    lines.append(f"Link: {link}")
    return "\n".join(lines)
