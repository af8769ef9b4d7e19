"""Exchange Online's sending limits, and where a big run (dunning letters, payslips) goes instead.

Sources:
- Per mailbox (SMTP AUTH, OAuth or Basic): 10,000 recipients a day (24-hour sliding window), 30 messages a
  minute, 500 recipients per message by default (1–1000 configurable); tenant-wide external recipient rate
  limit (TERRL), scaling with the number of licences, refused with 550 5.7.233:
  https://learn.microsoft.com/defender-office-365/outbound-spam-sending-limits-troubleshoot and
  https://learn.microsoft.com/exchange/troubleshoot/email-delivery/ndr/non-delivery-reports-in-exchange-online
- Direct Send and SMTP relay are not bound by the mailbox limits ("standard throttling", "reasonable limits",
  high-risk delivery pool): Learn, "How to set up a multifunction device or application to send email
  using Microsoft 365", Compare the options.
- High Volume Email (HVE): accounts are mail users sending large volumes to internal recipients; billing
  policy, OAuth with allowed apps: https://learn.microsoft.com/exchange/mail-flow-best-practices/high-volume-mails-m365
  (via the HVE cmdlet docs). Internal-only and Basic auth until September 2028: secondary reports of the
  Exchange team's announcement (flagged as such where shown).
- 3 concurrent connections per mailbox (432 4.3.2): reference/exchange-online.md.
"""

from __future__ import annotations

from connectors.guide import Notice

MESSAGES_PER_MINUTE = 30
RECIPIENTS_PER_DAY = 10_000
RECIPIENTS_PER_MESSAGE = 500
CONNECTIONS_PER_MAILBOX = 3

LIMITS_SOURCE = "https://learn.microsoft.com/defender-office-365/outbound-spam-sending-limits-troubleshoot"
HVE_SOURCE = "https://learn.microsoft.com/exchange/mail-flow-best-practices/high-volume-mails-m365"
HVE_UNVERIFIED = (
    "Unverified (secondary reports of Microsoft's announcement): HVE sends to internal recipients only and keeps "
    "Basic authentication until September 2028."
)


def submission_limits_notice() -> Notice:
    """For SMTP AUTH (OAuth or Basic): the mailbox limits, the tenant's, and where a big run goes instead."""
    return Notice(
        "info",
        f"Limits of the sending mailbox: {MESSAGES_PER_MINUTE} messages a minute, {RECIPIENTS_PER_DAY:,} recipients "
        f"in 24 hours, {RECIPIENTS_PER_MESSAGE} recipients per message (default), {CONNECTIONS_PER_MAILBOX} "
        "connections at once (432 4.3.2). The whole tenant also has an external-recipient limit a day (550 5.7.233, "
        "it grows with the licences). A dunning or payslip run that needs more goes through a relay connector "
        "(not bound by the mailbox limits), or, for internal recipients only, High Volume Email.",
        LIMITS_SOURCE,
    )


def big_run_advice(*, external_recipients: bool) -> str:
    """What a run over the mailbox limits should use instead (the advisor's note)."""
    if external_recipients:
        return (
            "A run beyond the mailbox limits (dunning letters to customers) goes through a relay connector, which "
            "is not bound by them but by 'reasonable limits' (abuse lands in the high-risk delivery pool); the "
            "tenant's external-recipient limit (550 5.7.233) still applies. Newsletters and mass mailing belong "
            "with a bulk e-mail provider such as SendGrid; keep Exchange Online for transactional mail."
        )
    return (
        "Internal recipients only (payslips, internal notifications): High Volume Email (HVE) sends large volumes "
        "inside the tenant from a mail user, without the mailbox limits — also the way out for an internal-only "
        f"sender that cannot leave Basic authentication yet. {HVE_UNVERIFIED} Source: {HVE_SOURCE}"
    )
