"""A generated setup guide: ordered steps, grouped by where each one is done.

``Guide.to_dict()`` is what the pages and ``manage.py steps --format json`` render;
``Guide.to_markdown()`` is the copy-ready text. Both come from the same data, so they can't drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from connectors.placeholders import missing_fields
from connectors.problems import Problem
from connectors.quoting import sap_field, sap_profile_value


class Where(StrEnum):
    NETWORK = "network"
    ENTRA = "entra"
    M365_ADMIN = "m365_admin"
    EXCHANGE_ADMIN = "exchange_admin"
    EXCHANGE_POWERSHELL = "exchange_powershell"
    DNS = "dns"
    SAP_GUI = "sap_gui"
    BTP = "btp"
    SAP_MANAGED = "sap_managed"
    RELAY = "relay"

    @property
    def label(self) -> str:
        return _WHERE_LABELS[self]


_WHERE_LABELS: dict[Where, str] = {
    Where.NETWORK: "Network and firewall",
    Where.ENTRA: "Microsoft Entra admin center",
    Where.M365_ADMIN: "Microsoft 365 admin center",
    Where.EXCHANGE_ADMIN: "Exchange admin center",
    Where.EXCHANGE_POWERSHELL: "Exchange Online PowerShell",
    Where.DNS: "DNS (your domain's zone)",
    Where.SAP_GUI: "SAP GUI transactions",
    Where.BTP: "SAP BTP cockpit and ABAP environment apps",
    Where.SAP_MANAGED: "SAP S/4HANA Cloud Public Edition (operated by SAP)",
    Where.RELAY: "Relay server",
}

NoticeLevel = Literal["info", "warning", "error"]
MIGRATION_PREFIX = "migrate."  # the keys of a retiring option's steps toward the next option

# Where values are typed or pasted into SAP itself: GUI fields, profile parameters, BTP apps.
SAP_PLACES = frozenset({Where.SAP_GUI, Where.BTP})


@dataclass(frozen=True)
class Value:
    label: str
    value: str
    literal: bool = True  # exact text to type or paste (pages offer a copy button); False = prose


def say(label: str, text: str) -> Value:
    """A value to read, not to copy: a menu path, a choice on a screen, an expectation."""
    return Value(label, text, literal=False)


@dataclass(frozen=True)
class Command:
    language: str  # "powershell", "ini", "shell", "text", "dns"
    text: str


@dataclass(frozen=True)
class Step:
    key: str  # stable identifier, e.g. "entra.api_permission"; pages anchor on it
    where: Where
    title: str
    why: str
    values: tuple[Value, ...] = ()
    command: Command | None = None
    check: str | None = None  # the diagnostic check key that verifies this step, if one can
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The one place SAP text is checked: every value a reader pastes into a SAP screen or
        # writes into a profile parameter ("ini" commands on a SAP step are profile lines).
        if self.where not in SAP_PLACES:
            return
        for value in self.values:
            if value.literal:
                sap_field(value.value)
        if self.command and self.command.language == "ini":
            for line in self.command.text.splitlines():
                sap_profile_value(line.partition("=")[2].strip())

    @property
    def verified_by_current_route(self) -> bool:
        """Whether a run of the setup as it is can verify this step. A migration step (key "migrate.…", in a
        retiring option's guide) builds the next option's route: a check passing on today's route proves
        nothing about it, so it is never ticked off by one."""
        return bool(self.check) and not self.key.startswith(MIGRATION_PREFIX)

    @property
    def missing_fields(self) -> tuple[str, ...]:
        texts = [self.title, self.why, *self.notes]
        texts += [value.value for value in self.values]
        if self.command:
            texts.append(self.command.text)
        return missing_fields(*texts)

    def to_dict(self, number: int) -> dict[str, Any]:
        return {
            "number": number,
            "key": self.key,
            "where": self.where.value,
            "where_label": self.where.label,
            "title": self.title,
            "why": self.why,
            "values": [{"label": v.label, "value": v.value, "literal": v.literal} for v in self.values],
            "command": {"language": self.command.language, "text": self.command.text} if self.command else None,
            "check": self.check,
            "notes": list(self.notes),
            "missing_fields": list(self.missing_fields),
        }


@dataclass(frozen=True)
class Notice:
    level: NoticeLevel
    text: str
    source: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "text": self.text, "source": self.source}


@dataclass(frozen=True)
class Script:
    key: str  # "setup" or "verify"
    title: str
    purpose: str
    filename: str
    text: str
    language: str = "powershell"
    read_only: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "purpose": self.purpose,
            "filename": self.filename,
            "language": self.language,
            "read_only": self.read_only,
            "text": self.text,
            "missing_fields": list(missing_fields(self.text)),
        }


@dataclass(frozen=True)
class Guide:
    option: str
    option_label: str
    system: str  # "PRD/100"
    title: str
    summary: str
    steps: tuple[Step, ...]
    notices: tuple[Notice, ...] = ()
    problems: tuple[Problem, ...] = ()
    scripts: tuple[Script, ...] = field(default=())

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(f"no step {key!r} in the {self.option} guide")

    def has_step(self, key: str) -> bool:
        return any(step.key == key for step in self.steps)

    def script(self, key: str) -> Script:
        for script in self.scripts:
            if script.key == key:
                return script
        raise KeyError(f"no script {key!r} in the {self.option} guide")

    @property
    def missing_fields(self) -> tuple[str, ...]:
        found: dict[str, None] = {}
        for step in self.steps:
            for name in step.missing_fields:
                found.setdefault(name, None)
        for script in self.scripts:
            for name in missing_fields(script.text):
                found.setdefault(name, None)
        return tuple(found)

    def groups(self) -> list[tuple[Where, list[tuple[int, Step]]]]:
        """Consecutive steps done in the same place, numbered 1..n across the whole guide.

        Order wins over grouping: a step that must come between two Entra steps (exporting SAP's
        JWT certificate before uploading it) opens its own group rather than moving.
        """
        groups: list[tuple[Where, list[tuple[int, Step]]]] = []
        for number, step in enumerate(self.steps, start=1):
            if groups and groups[-1][0] == step.where:
                groups[-1][1].append((number, step))
            else:
                groups.append((step.where, [(number, step)]))
        return groups

    def to_dict(self) -> dict[str, Any]:
        numbered = {step.key: number for number, step in enumerate(self.steps, start=1)}
        return {
            "option": self.option,
            "option_label": self.option_label,
            "system": self.system,
            "title": self.title,
            "summary": self.summary,
            "notices": [notice.to_dict() for notice in self.notices],
            "problems": [problem.to_dict() for problem in self.problems],
            "groups": [
                {"where": where.value, "where_label": where.label, "steps": [numbered[s.key] for _, s in steps]}
                for where, steps in self.groups()
            ],
            "steps": [step.to_dict(number) for number, step in enumerate(self.steps, start=1)],
            "scripts": [script.to_dict() for script in self.scripts],
            "missing_fields": list(self.missing_fields),
        }

    def to_markdown(self) -> str:
        lines = [f"# {_text(self.title)}", "", _text(self.summary), ""]
        for notice in self.notices:
            source = f" _(Source: {_text(notice.source)})_" if notice.source else ""
            lines += [f"> **{notice.level.capitalize()}:** {_text(notice.text)}{source}", ""]
        if self.problems:
            lines += ["## Check these values first", ""]
            lines += [f"- **{p.level}** — `{p.field or 'setup'}`: {_text(p.message)}" for p in self.problems]
            lines.append("")
        for where, steps in self.groups():
            lines += [f"## {where.label}", ""]
            for number, step in steps:
                lines += _step_markdown(number, step)
        for script in self.scripts:
            mode = "read-only" if script.read_only else "makes changes"
            lines += [f"## Script: {_text(script.title)} (`{script.filename}`, {mode})", "", _text(script.purpose), ""]
            lines += [f"```{script.language}", script.text.rstrip(), "```", ""]
        return "\n".join(lines).rstrip() + "\n"


def _step_markdown(number: int, step: Step) -> list[str]:
    lines = [f"### {number}. {_text(step.title)}", "", f"**Why:** {_text(step.why)}", ""]
    if step.values:
        lines += ["| Setting | Value |", "| --- | --- |"]
        lines += [
            f"| {_cell(value.label)} | {_code(value.value) if value.literal else _cell(value.value)} |"
            for value in step.values
        ]
        lines.append("")
    if step.command:
        lines += [f"```{step.command.language}", step.command.text.rstrip(), "```", ""]
    for note in step.notes:
        lines.append(f"- {_text(note)}")
    if step.notes:
        lines.append("")
    if step.check:
        lines += [f"*Verified by the check `{step.check}`.*", ""]
    return lines


def _text(text: str) -> str:
    """Prose for Markdown: a placeholder such as <tenant: set the Tenant field> must not be taken
    for an HTML tag and vanish, so its angle bracket is escaped (CommonMark shows it as typed)."""
    return text.replace("<", "\\<")


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    # Inside a code span a backslash is literal, so only the table's pipe is escaped (GFM rule).
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|').replace(chr(10), ' ')}{pad}{fence}"
