"""Exchange's own evidence: the SMTP AUTH clients report of the Exchange admin center, imported and
matched to the systems.

What Microsoft documents (checked 30 Nov 2026):
- The report is in the new Exchange admin center under Reports > Mail flow > "SMTP AUTH clients"; its
  "Messages sent using SMTP Auth" table has the columns Sender address, Domain, TLS 1.0, TLS 1.1,
  TLS 1.2 (percentages) and Messages sent, and Export writes the rows shown to a .csv file.
  https://learn.microsoft.com/exchange/monitoring/mail-flow-reports/mfr-smtp-auth-clients-report
- Message center MC786329, update of 18 October 2024: the report gained an "Authentication Protocol"
  column saying whether Basic auth or OAuth submitted the mail (data builds up over 90 days).
  https://techcommunity.microsoft.com/blog/exchange/exchange-online-to-retire-basic-auth-for-client-submission-smtp-auth/4114750
- The earlier "SMTP Auth clients" report of the Security & Compliance Center's mail flow dashboard:
  details table Sender address, TLS1.0%, TLS1.1%, TLS1.2%, Message count.

Not verified (no Microsoft page shows an exported file): the exact header text of the export and the
words in the Authentication Protocol cells. Hence the header is read loosely (case, spaces and
punctuation ignored, both namings accepted) and a protocol cell is read as Basic or OAuth from the
words write-ups of the export show ("Basic Authentication", "Modern Authentication") and the message
center's ("Basic auth", "OAuth"). An export without the protocol column imports too: it still names the
accounts that use SMTP AUTH, and the page says Basic and OAuth cannot be told apart in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Lower

from portal.models import ExchangeReport, ExchangeReportRow, SapSystem
from portal.progress import moved
from portal.system_import import ImportProblem, ImportRefused, csv_reader, decode_csv
from portal.validators import validate_address

Protocol = ExchangeReportRow.Protocol

# Header names as read: lower case, letters and digits only ("Sender address" -> "senderaddress").
COLUMNS: dict[str, tuple[str, ...]] = {
    "sender": ("senderaddress", "sender", "senderemailaddress", "user"),
    "messages": ("messagessent", "messagecount", "messages"),
    "protocol": ("authenticationprotocol", "authprotocol", "authenticationtype", "authenticationmethod"),
}
KNOWN_OTHERS = ("domain", "senderdomain", "tls10", "tls11", "tls12", "tls13", "date")  # read past, not stored
PROTOCOL_WORDS: dict[str, str] = {
    "basic": Protocol.BASIC, "basicauth": Protocol.BASIC, "basicauthentication": Protocol.BASIC,
    "oauth": Protocol.OAUTH, "oauth2": Protocol.OAUTH, "oauth20": Protocol.OAUTH, "xoauth2": Protocol.OAUTH,
    "modern": Protocol.OAUTH, "modernauth": Protocol.OAUTH, "modernauthentication": Protocol.OAUTH,
}  # fmt: skip
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:[,. '\u2019\u202f][0-9]{3})+")


def _name(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass
class ParsedReport:
    header: list[str]
    positions: dict[str, int]  # our column -> position in the file
    uses: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (sender, protocol) -> (messages, line)
    ignored: list[str] = field(default_factory=list)  # columns read past that we do not know

    @property
    def states_protocol(self) -> bool:
        return "protocol" in self.positions


def _read_header(cells: list[str]) -> ParsedReport:
    positions: dict[str, int] = {}
    problems, ignored = [], []
    for position, cell in enumerate(cells):
        name = _name(cell)
        ours = next((column for column, names in COLUMNS.items() if name in names), None)
        if ours is None:
            if name and name not in KNOWN_OTHERS:
                ignored.append(cell.strip())
            continue
        if ours in positions:
            problems.append(ImportProblem(1, cell.strip(), "this column appears twice"))
        positions[ours] = position
    if "sender" not in positions:
        problems.append(ImportProblem(1, "Sender address", "missing: is this the SMTP AUTH clients report?"))
    if "messages" not in positions:
        problems.append(ImportProblem(1, "Messages sent", "missing (or Message count)"))
    if problems:
        raise ImportRefused(problems)
    return ParsedReport([cell.strip() for cell in cells], positions, ignored=ignored)


def _messages(raw: str) -> int:
    text = raw.strip()
    if _THOUSANDS.fullmatch(text):
        text = re.sub(r"[^0-9]", "", text)
    if not re.fullmatch(r"[0-9]+", text):
        raise ValidationError("not a whole number of messages (digits 0-9)")
    return int(text)


def _protocol(raw: str) -> str:
    words = _name(raw)
    if not words:
        return Protocol.NOT_STATED
    if words not in PROTOCOL_WORDS:
        raise ValidationError("neither Basic auth nor OAuth (e.g. “Basic Authentication”, “OAuth”)")
    return PROTOCOL_WORDS[words]


def _sender(raw: str) -> str:
    address = raw.strip()
    if not address:
        raise ValidationError("empty; every row names the sending account")
    validate_address(address)
    return address.lower()


def parse_report(data: bytes | str) -> ParsedReport:
    """Every row read and checked; raises ImportRefused with every problem (line and column) found."""
    rows = csv_reader(decode_csv(data))
    try:
        header = next(rows)
    except StopIteration:
        raise ImportRefused([ImportProblem(1, "", "the file is empty")]) from None
    parsed = _read_header(header)
    problems: list[ImportProblem] = []
    labels = {column: parsed.header[position] for column, position in parsed.positions.items()}
    for line, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(header):
            problems.append(ImportProblem(line, "", f"{len(cells)} cells where the header names {len(header)}"))
            continue
        values: dict[str, Any] = {}
        for column, parse in (("sender", _sender), ("messages", _messages), ("protocol", _protocol)):
            if column not in parsed.positions:
                continue
            try:
                values[column] = parse(cells[parsed.positions[column]])
            except ValidationError as exc:
                problems.append(ImportProblem(line, labels[column], " ".join(exc.messages)))
        if len(values) == len(parsed.positions):
            key = (values["sender"], values.get("protocol", Protocol.NOT_STATED))
            count, first_line = parsed.uses.get(key, (0, line))
            parsed.uses[key] = (count + values["messages"], first_line)  # a sender on several rows (days): summed
    if problems:
        raise ImportRefused(problems)
    if not parsed.uses:
        raise ImportRefused([ImportProblem(2, "", "no rows: export the report with at least one sender")])
    return parsed


def import_report(data: bytes | str, *, as_of: date, actor: Any = None, filename: str = "") -> ExchangeReport:
    """Read the whole file, then store it as one report dated ``as_of`` (all rows or none)."""
    parsed = parse_report(data)
    with transaction.atomic():
        report = ExchangeReport.objects.create(
            as_of=as_of, imported_by=actor if getattr(actor, "is_authenticated", False) else None,
            filename=filename[:200], header=",".join(parsed.header)[:500], states_protocol=parsed.states_protocol,
        )  # fmt: skip
        ExchangeReportRow.objects.bulk_create(
            ExchangeReportRow(report=report, sender=sender, protocol=protocol, messages=count, line=line)
            for (sender, protocol), (count, line) in sorted(parsed.uses.items())
        )
    return report


# -- matching the accounts to the systems ---------------------------------------------------------
@dataclass
class Account:
    """One sending account of a report: its messages by protocol, and the systems that send as it."""

    sender: str
    basic: int = 0
    oauth: int = 0
    not_stated: int = 0
    systems: list[SapSystem] = field(default_factory=list)

    @property
    def uses_basic(self) -> bool:
        return self.basic > 0

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]


@dataclass
class Evidence:
    report: ExchangeReport
    accounts: list[Account]
    moved_but_basic: list[tuple[SapSystem, Account]]  # the portal counts it as moved; Exchange saw Basic auth
    basic_unplanned: list[tuple[SapSystem, Account]]  # on Basic auth (both agree) and no target date or option
    unmatched: list[Account]  # no system sends as or signs in with this account

    @property
    def matched(self) -> list[tuple[SapSystem, Account]]:
        return [(system, account) for account in self.accounts for system in account.systems]


def _accounts(report: ExchangeReport) -> dict[str, Account]:
    accounts: dict[str, Account] = {}
    for row in report.rows.all():
        account = accounts.setdefault(row.sender, Account(row.sender))
        kind = {Protocol.BASIC: "basic", Protocol.OAUTH: "oauth"}.get(row.protocol, "not_stated")
        setattr(account, kind, getattr(account, kind) + row.messages)
    return accounts


def _systems_sending_as(addresses: list[str]) -> list[SapSystem]:
    """Systems whose setup's sender or mailbox is one of ``addresses`` (lower case), with ``is_moved``."""
    return list(
        SapSystem.objects.select_related("mail_setup")
        .annotate(
            sender_lower=Lower("mail_setup__sender"),
            mailbox_lower=Lower("mail_setup__mailbox"),
            is_moved=ExpressionWrapper(moved(), output_field=BooleanField()),
        )
        .filter(Q(sender_lower__in=addresses) | Q(mailbox_lower__in=addresses))
        .order_by("sid", "client")
    )


def evidence(report: ExchangeReport | None) -> Evidence | None:
    """What the report says about the systems (three queries, whatever the report's size)."""
    if report is None:
        return None
    accounts = _accounts(report)
    for system in _systems_sending_as(list(accounts)):
        for address in {system.sender_lower, system.mailbox_lower} & set(accounts):
            accounts[address].systems.append(system)
    ordered = sorted(accounts.values(), key=lambda account: (-account.basic, account.sender))
    moved_but_basic, unplanned = [], []
    for account in ordered:
        for system in account.systems if account.uses_basic else ():
            if system.is_moved:
                moved_but_basic.append((system, account))
            elif not (system.target_date and system.target_option):
                unplanned.append((system, account))
    unmatched = [account for account in ordered if not account.systems]
    return Evidence(report, ordered, moved_but_basic, unplanned, unmatched)


def latest() -> ExchangeReport | None:
    return ExchangeReport.objects.first()
