"""CSV import of SAP systems and their mail setups: all rows or none, every error with line and column.

The columns are the contract of DESIGN.md. On re-import an empty cell keeps the stored value (so an
exported file, edited and imported again, keeps its secrets) and a single ``-`` clears it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from connectors.clouds import cloud_choices
from connectors.config import credential_choices, tls_choices
from connectors.products import product_choices, role_choices
from connectors.registry import option_choices
from connectors.rules import reaches_generated_text, unsafe_text_reason
from portal.choices import Choices, parse_choice
from portal.models import CHECK_INTERVAL_MAX, CHECK_INTERVAL_MIN, AuditEvent, MailSetup, SapSystem, audit_changes
from portal.runbooks import sync as sync_runbook
from portal.validators import (
    ascii_int,
    normalise_release,
    normalise_sid,
    parse_egress_ips,
    validate_address,
    validate_client,
    validate_guid,
    validate_hostname,
    validate_sid,
    validate_tenant,
    validate_zone,
)

CLEAR = "-"


def _text(validator: Callable[[str], None] | None = None, max_length: int = 254) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise ValidationError(f"longer than {max_length} characters")
        if validator:
            validator(raw)
        return raw

    return parse


def _lower(validator: Callable[[str], None]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        # Lower-cased only when ASCII: "K" (Kelvin) would become an ASCII "k"; the validators refuse the rest.
        value = raw.lower() if raw.isascii() else raw
        validator(value)
        return value

    return parse


def _sid(raw: str) -> str:
    sid = normalise_sid(raw)
    validate_sid(sid)
    return sid


def _client(raw: str) -> str:
    # Spreadsheets turn 001 into 1; digits 0-9 only are padded back, anything else is refused.
    value = raw.zfill(3) if re.fullmatch(r"[0-9]{1,2}", raw) else raw
    validate_client(value)
    return value


def _port(raw: str) -> int:
    port = ascii_int(raw)
    if port is None or not 0 < port < 65536:
        raise ValidationError("%(value)r is not a TCP port: 1-65535, digits 0-9.", params={"value": raw})
    return port


def _minutes(raw: str) -> int:
    minutes = ascii_int(raw)
    if minutes is None or not CHECK_INTERVAL_MIN <= minutes <= CHECK_INTERVAL_MAX:
        raise ValidationError(
            f"%(value)r is not a check interval: whole minutes from {CHECK_INTERVAL_MIN} to {CHECK_INTERVAL_MAX}, "
            "digits 0-9 (empty: the landscape role's default).",
            params={"value": raw},
        )
    return minutes


def _date(raw: str) -> date:
    # fromisoformat also reads 20270331 and 2027-W13-3; the contract is YYYY-MM-DD in digits 0-9.
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise ValidationError("%(value)r is not an ISO date (YYYY-MM-DD, digits 0-9).", params={"value": raw})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("%(value)r is not an ISO date (YYYY-MM-DD, digits 0-9).", params={"value": raw}) from None


def _choice(choices: Choices, aliases: dict[str, str] | None = None) -> Callable[[str], str]:
    return lambda raw: parse_choice(raw, choices, aliases)


def _role(raw: str) -> str:
    return parse_choice(raw, role_choices, {"sandbox": "SBX"})


@dataclass(frozen=True)
class Column:
    model: str  # "system" or "setup"
    field: str
    parse: Callable[[str], Any]
    secret: bool = False
    clear_to: Any = ""


COLUMNS: dict[str, Column] = {
    "sid": Column("system", "sid", _sid),
    "client": Column("system", "client", _client),
    "description": Column("system", "description", _text(max_length=200)),
    "role": Column("system", "role", _role),
    "product": Column("system", "product", _choice(product_choices)),
    "basis_release": Column("system", "basis_release", normalise_release, clear_to=None),
    "zone": Column("system", "zone", _lower(validate_zone)),
    "owner": Column("system", "owner", _text(max_length=200)),
    "contact_email": Column("system", "contact_email", _text(validate_address)),
    "target_option": Column("system", "target_option", _choice(option_choices)),
    "target_date": Column("system", "target_date", _date, clear_to=None),
    "check_interval": Column("system", "check_interval", _minutes, clear_to=None),
    "option": Column("setup", "option", _choice(option_choices)),
    "cloud": Column(
        "setup", "cloud", _choice(cloud_choices, {"gcc high": "gcc-high", "gcchigh": "gcc-high", "21vianet": "china"})
    ),
    "smtp_host": Column("setup", "smtp_host", _lower(validate_hostname)),
    "smtp_port": Column("setup", "smtp_port", _port, clear_to=None),
    "tls": Column("setup", "tls", _choice(tls_choices)),
    "sender": Column("setup", "sender", _text(validate_address)),
    "mailbox": Column("setup", "mailbox", _text(validate_address)),
    "tenant": Column("setup", "tenant", _lower(validate_tenant)),
    "client_id": Column("setup", "client_id", _lower(validate_guid)),
    "client_secret": Column("setup", "client_secret", _text(max_length=4000), secret=True),
    "secret_expires": Column("setup", "secret_expires", _date, clear_to=None),
    "egress_ips": Column("setup", "egress_ips", parse_egress_ips, clear_to=[]),
    "connector": Column("setup", "connector", _text(max_length=200)),
    "relay_host": Column("setup", "relay_host", _lower(validate_hostname)),
    "test_recipient": Column("setup", "test_recipient", _text(validate_address)),
    "service_principal_id": Column("setup", "service_principal_id", _lower(validate_guid)),
    "credential": Column(
        "setup", "credential", _choice(credential_choices, {"cert": "certificate", "jwt": "certificate"})
    ),
    "certificate_thumbprint": Column("setup", "certificate_thumbprint", lambda raw: _thumbprint(raw)),
    "upstream_option": Column("setup", "upstream_option", _choice(option_choices)),
}
CONTRACT_COLUMNS = [
    "sid", "client", "description", "role", "product", "basis_release", "zone", "option", "cloud",
    "smtp_host", "smtp_port", "tls", "sender", "mailbox", "tenant", "client_id", "client_secret",
    "secret_expires", "egress_ips", "connector", "relay_host", "test_recipient",
]  # fmt: skip
EXTRA_COLUMNS = [
    "credential", "certificate_thumbprint", "upstream_option", "service_principal_id", "owner", "contact_email",
    "target_option", "target_date", "check_interval",
]  # fmt: skip


FORMULA_STARTS = ("=", "+", "-", "@")


def guard(cell: str) -> str:
    """Keep a spreadsheet from running a cell as a formula: a leading apostrophe (undone on import)."""
    return "'" + cell if len(cell) > 1 and cell.startswith(FORMULA_STARTS) else cell


def unguard(cell: str) -> str:
    return cell[1:] if len(cell) > 2 and cell.startswith("'") and cell[1] in FORMULA_STARTS else cell


def _thumbprint(raw: str) -> str:
    value = raw.replace(":", "").replace(" ", "")
    value = value.upper() if value.isascii() else value  # "ﬀ".upper() is "FF": hex it never was
    if len(value) not in (40, 64) or any(ch not in "0123456789ABCDEF" for ch in value):
        raise ValidationError("%(value)r is not a SHA-1 or SHA-256 thumbprint in hex.", params={"value": raw})
    return value


@dataclass(frozen=True)
class ImportProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportRefused(Exception):
    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # column -> parsed value, CLEAR sentinel as None-ish handled below
    cleared: set[str]


def decode_csv(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused([ImportProblem(1, "", f"the file is not UTF-8 (byte {exc.start})")]) from None


def csv_reader(text: str) -> csv.reader:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", delimiters=",;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def _read_header(reader: csv.reader) -> list[str]:
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportRefused([ImportProblem(1, "", f"the header line is malformed ({exc})")]) from None
    except StopIteration:
        raise ImportRefused([ImportProblem(1, "", "the file is empty; the first line must name the columns")]) from None
    if not any(_column_name(name) in COLUMNS for name in header):
        # Most likely a data row where the header should be: quote none of it (it may hold a secret).
        raise ImportRefused(
            [ImportProblem(1, "", "the first line must name the columns (sid, client, option, …); it names none")]
        )
    problems = []
    for position, name in enumerate(header, start=1):
        if name in COLUMNS:
            continue
        if _column_name(name) in COLUMNS:
            problems.append(ImportProblem(1, name, f"write it as {_column_name(name)} (names are lower case)"))
        else:  # named by position: an unknown cell may be a value, even a secret
            problems.append(ImportProblem(1, f"#{position}", "not a column name (names are e.g. sid, client, option)"))
    for name in {name for name in header if header.count(name) > 1 and name in COLUMNS}:
        problems.append(ImportProblem(1, name, "the column appears twice"))
    for name in ("sid", "client"):
        if name not in header:
            problems.append(ImportProblem(1, name, "this column is mandatory"))
    if problems:
        raise ImportRefused(problems)
    return header


def _column_name(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


class _Unquoted(str):
    """Stands for the value in a validator's message (``%(value)r``) without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _unquoted_message(exc: ValidationError) -> str:
    """The validators' messages with "the cell" for the value they quote.

    Errors never quote a cell: a value in the wrong column (columns swapped, a cell shifted) may be a
    secret, and import errors end up on terminals and in CI logs. Line and column find the cell.
    """
    messages = []
    for error in exc.error_list:
        message = str(error.message)
        if error.params:
            message %= {**error.params, "value": _Unquoted("the cell")}
        messages.append(message)
    return " ".join(messages)


def _records(reader: csv.reader) -> Iterator[list[str]]:
    """The reader's rows; a broken quote or an oversized cell becomes an ImportRefused naming the line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportRefused([ImportProblem(reader.line_num, "", f"the CSV is malformed here ({exc})")]) from None


def _parse(column: Column, raw: str) -> Any:
    # The connectors' rule: no control character in a value that reaches generated commands.
    # Secrets never do (and are never echoed), nor does a description, which may span lines.
    if reaches_generated_text(column.field) and (reason := unsafe_text_reason(raw, "The value")):
        raise ValidationError(reason)
    return column.parse(raw)


def parse_rows(data: bytes | str) -> list[_Row]:
    """Every row parsed and validated; raises ImportRefused with all problems found."""
    reader = csv_reader(decode_csv(data))
    header = _read_header(reader)
    rows, problems, seen = [], [], {}
    last = reader.line_num
    for cells in _records(reader):
        # A quoted cell may hold line breaks: a row is named by the line it starts on.
        line, last = last + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(ImportProblem(line, "", f"{len(cells)} cells where the header names {len(header)}"))
            continue
        values, cleared = {}, set()
        for name, cell in zip(header, cells, strict=True):
            raw = unguard(cell.strip())
            if raw == CLEAR and name not in ("sid", "client"):
                cleared.add(name)
            elif raw:
                try:
                    values[name] = _parse(COLUMNS[name], raw)
                except ValidationError as exc:
                    problems.append(ImportProblem(line, name, _unquoted_message(exc)))
        for name in ("sid", "client"):
            if name not in values and not any(p.line == line and p.column == name for p in problems):
                problems.append(ImportProblem(line, name, "empty; every row needs a SID and a client"))
        key = (values.get("sid"), values.get("client"))
        if None not in key:
            if key in seen:
                problems.append(ImportProblem(line, "sid", f"{key[0]}/{key[1]} already appears on line {seen[key]}"))
            seen[key] = line
        rows.append(_Row(line, values, cleared))
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: p.line))
    return rows


def _snapshot(instance: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


def _apply(instance: Any, row: _Row, model: str) -> None:
    for name, column in COLUMNS.items():
        if column.model != model or name in ("sid", "client"):
            continue
        if name in row.cleared:
            setattr(instance, column.field, column.clear_to)
        elif name in row.values:
            setattr(instance, column.field, row.values[name])


def import_systems(data: bytes | str, *, actor: Any = None) -> ImportReport:
    """Validate the whole file, then write it in one transaction (all rows or none)."""
    rows = parse_rows(data)
    report = ImportReport()
    problems: list[ImportProblem] = []
    system_fields = [c.field for c in COLUMNS.values() if c.model == "system"]
    setup_fields = [c.field for c in COLUMNS.values() if c.model == "setup"]
    secret_fields = {c.field for c in COLUMNS.values() if c.secret}
    with transaction.atomic():
        for row in rows:
            sid, client = row.values["sid"], row.values["client"]
            system = SapSystem.objects.filter(sid=sid, client=client).select_related("mail_setup").first()
            created = system is None
            system = system or SapSystem(sid=sid, client=client)
            before = _snapshot(system, system_fields)
            setup = getattr(system, "mail_setup", None) if not created else None
            before.update(_snapshot(setup, setup_fields) if setup else {})
            _apply(system, row, "system")
            system.save()
            touches_setup = any(COLUMNS[n].model == "setup" for n in [*row.values, *row.cleared])
            if touches_setup:
                if setup is None:
                    if "option" not in row.values:
                        problems.append(ImportProblem(row.line, "option", "needed to create the mail setup"))
                        continue
                    setup = MailSetup(system=system)
                _apply(setup, row, "setup")
                if "option" in row.cleared:
                    problems.append(ImportProblem(row.line, "option", "a mail setup cannot be without an option"))
                    continue
                setup.save()
                sync_runbook(system)  # a new option starts a new runbook
            after = _snapshot(system, system_fields) | (_snapshot(setup, setup_fields) if setup else {})
            changes = audit_changes(before, after, secret_fields)
            label = str(system)
            if created:
                report.created.append(label)
            elif changes:
                report.updated.append(label)
            else:
                report.unchanged.append(label)
            if created or changes:
                action = "system.imported" if created else "system.updated"
                AuditEvent.record(action, source=AuditEvent.Source.CSV, system=system, actor=actor, changes=changes)
        if problems:
            transaction.set_rollback(True)
            raise ImportRefused(problems)
    return report
