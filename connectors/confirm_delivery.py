"""After the test: how to prove the message really left Exchange Online, and what each status means.

Sources:
- Get-MessageTraceV2 / Get-MessageTraceDetailV2 (90 days of data, 10 days per query, 48 hours without
  dates, timestamps in UTC, the Status values):
  https://learn.microsoft.com/powershell/module/exchangepowershell/get-messagetracev2
- Microsoft's own diagnostic "Run Tests: Send email using Microsoft 365" (https://aka.ms/smtprelay, in the
  Microsoft 365 admin center, for SMTP AUTH, Direct Send and SMTP relay alike):
  https://learn.microsoft.com/exchange/mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365
"""

from __future__ import annotations

from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.guide import Command, Step, Value, Where, say
from connectors.placeholders import placeholder, value_of
from connectors.powershell import connect_exchange
from connectors.quoting import powershell_literal

TRACE_DOC = "https://learn.microsoft.com/powershell/module/exchangepowershell/get-messagetracev2"
DIAGNOSTIC_URL = "https://aka.ms/smtprelay"

# What message trace's Status says about the test message (the cmdlet's documented values).
TRACE_STATUSES: tuple[tuple[str, str], ...] = (
    ("Delivered", "Exchange Online handed the message to the recipient's mailbox or the next server: done"),
    ("Pending", "delivery is under way or was deferred and is retried: look again later, then at the details"),
    ("Failed", "delivery was attempted and failed: the details name the reply of the refusing server"),
    ("FilteredAsSpam", "marked as spam: check SPF, DKIM and DMARC of the sender domain"),
    ("Quarantined", "held in quarantine: release it in the Defender portal and check why"),
    ("Expanded", "sent to a distribution group whose members were expanded: trace the members"),
    ("GettingStatus", "Exchange is still collecting the status: wait a few minutes"),
)


def trace_sender(config: MailConfig) -> str:
    address = config.sender or config.mailbox
    return address or placeholder("sender")


def message_trace(config: MailConfig) -> Step:
    cloud = cloud_for(config.cloud)
    sender = trace_sender(config)
    recipient = value_of(config, "test_recipient")
    command = "\n".join(
        (
            connect_exchange(cloud),
            "# Timestamps are UTC; without dates the last 48 hours are searched (at most 10 days per query).",
            f"$Trace = Get-MessageTraceV2 -SenderAddress {powershell_literal(sender)} -RecipientAddress {powershell_literal(recipient)} "
            "-StartDate (Get-Date).AddHours(-24) -EndDate (Get-Date)",
            "$Trace | Format-Table Received,SenderAddress,RecipientAddress,Subject,Status",
            "# The events of the newest one (the refusing server's reply when it failed):",
            "$Trace | Select-Object -First 1 | Get-MessageTraceDetailV2 | Format-List Date,Event,Detail",
        )
    )
    return Step(
        key="exchange.message_trace",
        where=Where.EXCHANGE_POWERSHELL,
        title=f"Message trace: prove the test message from {sender} left Exchange Online",
        why=(
            "SAP's 'Sent' only means the next server took the message; message trace shows what Exchange Online "
            "did with it, for every path (SMTP AUTH, Direct Send, connector, relay)."
        ),
        values=(
            Value("Sender", sender),
            Value("Recipient", recipient),
            say("Or in the admin center", f"{cloud.flagged('exchange_admin_center')} → Mail flow → Message trace"),
            *(say(f"Status {name}", meaning) for name, meaning in TRACE_STATUSES),
        ),
        command=Command("powershell", command),
        notes=(
            "Data is kept 90 days; a message appears in the trace a few minutes after it was sent.",
            "With the Message-ID of the portal's test send (its result names it) add -MessageId '<id>' to find "
            "exactly that message.",
            f"Source: {TRACE_DOC}",
        ),
    )


def mail_flow_diagnostic(config: MailConfig) -> Step:
    cloud = cloud_for(config.cloud)
    return Step(
        key="m365.mail_flow_diagnostic",
        where=Where.M365_ADMIN,
        title="Or let Microsoft test it: 'Run Tests: Send email using Microsoft 365'",
        why=(
            "Microsoft's own diagnostic checks the tenant's side of sending from applications and devices (SMTP "
            "AUTH, Direct Send, SMTP relay) and says what to fix."
        ),
        values=(
            Value("Diagnostic", DIAGNOSTIC_URL),
            say("Admin center", cloud.flagged("m365_admin_center")),
            say("Choose", "new setup or troubleshooting an existing setup, then follow the flyout"),
        ),
        notes=(
            "Needs a Microsoft 365 administrator account; it opens as a flyout in the Microsoft 365 admin center.",
            "Source: Microsoft Learn, 'How to set up a multifunction device or application to send email using "
            "Microsoft 365', section 'Run diagnostic'.",
            *(
                ()
                if cloud.code in ("global", "lab")
                else (f"Unverified: whether this diagnostic is offered in the {cloud.label} cloud.",)
            ),
        ),
    )


def confirm_delivery(config: MailConfig) -> tuple[Step, ...]:
    return (message_trace(config), mail_flow_diagnostic(config))
