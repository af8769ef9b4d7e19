"""Hostile values in every generated guide and script: each comes out as one literal, or is refused.

PowerShell is read with the independent reader in ``powershell_strings`` (written from the language
specification), shell with ``shlex`` plus a check that nothing is left for the shell to expand.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.config import MailConfig
from connectors.guide import Guide
from connectors.registry import OPTIONS, guide_for
from tests.support import powershell_strings
from tests.support.samples import TODAY, config

CANARY = "Remove-InboundConnector"
SINGLE_QUOTES = ("'", "\u2018", "\u2019", "\u201a", "\u201b")
DOUBLE_QUOTES = ('"', "\u201c", "\u201d", "\u201e")
ISSUE_EXAMPLE = f"X\u2019; {CANARY} -Identity Corp -Confirm:$false #"

HOSTILE = (
    *[f"X{quote}; {CANARY} -Identity Corp -Confirm:$false #" for quote in SINGLE_QUOTES + DOUBLE_QUOTES],
    *[f"X{quote}{quote}; {CANARY} #{quote}" for quote in SINGLE_QUOTES + DOUBLE_QUOTES],
    "X\u2018\u2019\u201a\u201b'\"\u201c\u201d\u201e " + CANARY,
    f"X`; {CANARY} `$false",
    f"X$({CANARY} -Identity Corp)",
    f"X$Mailbox ${{env:PATH}} {CANARY}",
    f"X' + $({CANARY}) + '",
    f"X; {CANARY}; echo #",
    f"X #> {CANARY} <# ",
    f"X\\'; {CANARY} \\",
)
assert ISSUE_EXAMPLE in HOSTILE
CONTROL_CHARACTERS = {
    "\n": "U+000A",
    "\r": "U+000D",
    "\x00": "U+0000",
    "\t": "U+0009",
    "\x1b": "U+001B",
    "\x7f": "U+007F",
    "\x85": "U+0085",
    "\x9b": "U+009B",
    "\u2028": "U+2028",
    "\u2029": "U+2029",
    "\u202e": "U+202E",  # right-to-left override: shows a command other than the one copied
}


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    changes: dict[str, Any]
    # Fields whose value must reach PowerShell (as a literal) or the shell (as one word).
    powershell: tuple[str, ...] = ()
    shell: tuple[str, ...] = ()


SCENARIOS = (
    Scenario(
        "oauth2 with a secret",
        {"option": "oauth2", "sender": "invoices@contoso.com"},
        powershell=("mailbox", "sender", "tenant", "client_id", "service_principal_id"),
    ),
    Scenario(
        "oauth2 with a certificate",
        {"option": "oauth2", "credential": "certificate", "certificate_thumbprint": "AB CD"},
        powershell=("mailbox", "tenant", "client_id", "service_principal_id", "certificate_thumbprint"),
    ),
    Scenario("oauth2 on BTP ABAP", {"option": "oauth2", "product": "btp_abap"}, powershell=("mailbox", "tenant")),
    Scenario("smtp_basic moving to oauth2", {"option": "smtp_basic"}, powershell=("mailbox", "client_id")),
    Scenario(
        "smtp_basic moving to a connector",
        {"option": "smtp_basic", "basis_release": 740, "egress_ips": ("198.51.100.7",)},
        powershell=("mailbox", "connector"),
    ),
    Scenario("direct_send", {"option": "direct_send", "egress_ips": ("198.51.100.7",)}),
    Scenario(
        "relay_connector by IP",
        {"option": "relay_connector", "egress_ips": ("198.51.100.7",)},
        powershell=("connector", "egress_ips"),
    ),
    Scenario(
        "relay_connector by certificate",
        {"option": "relay_connector", "credential": "certificate", "tls": "starttls"},
        powershell=("connector", "tls_certificate_name"),
    ),
    Scenario(
        "relay_server with a connector upstream",
        {"option": "relay_server", "smtp_host": "relay.corp.example", "egress_ips": ("198.51.100.7",)},
        powershell=("connector",),
        shell=("sender", "test_recipient", "relay_host"),
    ),
    Scenario(
        "relay_server with a Basic upstream",
        {"option": "relay_server", "smtp_host": "relay.corp.example", "upstream_option": "smtp_basic"},
        powershell=("mailbox",),
        shell=("sender", "test_recipient"),
    ),
    Scenario(
        "relay_server with an OAuth upstream",
        {"option": "relay_server", "smtp_host": "relay.corp.example", "upstream_option": "oauth2"},
        powershell=("mailbox", "tenant", "client_id"),
    ),
    Scenario(
        "relay_server with a Direct Send upstream",
        {"option": "relay_server", "smtp_host": "relay.corp.example", "upstream_option": "direct_send"},
        shell=("sender",),
    ),
)
FIELDS = sorted({name for scenario in SCENARIOS for name in (*scenario.powershell, *scenario.shell)})


def _with(setup: MailConfig, name: str, value: str) -> MailConfig:
    if name == "egress_ips":
        return dataclasses.replace(setup, egress_ips=(value,))
    if name == "tls_certificate_name":
        return dataclasses.replace(setup, extra={"tls_certificate_name": value})
    return dataclasses.replace(setup, **{name: value})


def _expected(name: str, value: str) -> str:
    """The text the value must come out as: thumbprints are normalised (no separators, upper case)."""
    if name == "certificate_thumbprint":
        return value.replace(":", "").replace(" ", "").upper()
    return value


def _powershell_texts(guide: Guide) -> Iterator[tuple[str, str]]:
    for step in guide.steps:
        if step.command and step.command.language == "powershell":
            yield step.key, step.command.text
    for script in guide.scripts:
        assert script.language == "powershell"
        yield script.filename, script.text


def _shell_texts(guide: Guide) -> Iterator[tuple[str, str]]:
    for step in guide.steps:
        if step.command and step.command.language == "shell":
            yield step.key, step.command.text


def _literals_holding_the_canary(where: str, text: str) -> list[str]:
    """Every canary in ``text`` must sit inside one single-quoted literal; returns those literals."""
    reading = powershell_strings.read(text)
    found = []
    lowered, canary = text.lower(), CANARY.lower()
    index = lowered.find(canary)
    while index >= 0:
        literal = reading.literal_at(index)
        assert literal is not None, f"{where}: the value escaped its string at {index}:\n{text}"
        assert not literal.ambiguous, (
            f"{where}: two different quote characters doubled: {text[literal.start : literal.end]}"
        )
        found.append(literal.value)
        index = lowered.find(canary, index + 1)
    return found


CASES = [
    (scenario, name, value)
    for scenario in SCENARIOS
    for name in (*scenario.powershell, *scenario.shell)
    for value in HOSTILE
]


@pytest.mark.parametrize(
    ("scenario", "name", "value"), CASES, ids=[f"{s.name}-{n}-{HOSTILE.index(v)}" for s, n, v in CASES]
)
def test_a_hostile_value_comes_out_as_exactly_one_literal(scenario: Scenario, name: str, value: str) -> None:
    guide = guide_for(_with(config(**scenario.changes), name, value), today=TODAY)
    expected = _expected(name, value)
    seen_in_powershell = []
    for where, text in _powershell_texts(guide):
        literals = _literals_holding_the_canary(where, text)
        assert all(literal == expected for literal in literals), (where, literals, expected)
        seen_in_powershell += literals
    if name in scenario.powershell:
        assert seen_in_powershell, f"{name} should reach PowerShell in {scenario.name}"
    seen_in_shell = []
    for where, text in _shell_texts(guide):
        seen_in_shell += _shell_words_holding_the_canary(where, text)
    assert all(word == value for word in seen_in_shell), seen_in_shell
    if name in scenario.shell:
        assert seen_in_shell, f"{name} should reach the shell in {scenario.name}"


def test_the_issues_example_was_a_closed_string_followed_by_a_command_for_the_old_quoting() -> None:
    """The reader itself sees the attack: doubling only U+0027 leaves U+2019 to close the string."""
    naive = "New-InboundConnector -Name '" + ISSUE_EXAMPLE.replace("'", "''") + "'"
    with pytest.raises(AssertionError, match="escaped its string"):
        _literals_holding_the_canary("naive", naive)


@pytest.mark.parametrize("quote", SINGLE_QUOTES)
def test_the_reader_takes_every_single_quote_look_alike_for_a_quote(quote: str) -> None:
    reading = powershell_strings.read(f"Write-Host {quote}a{quote}{quote}b{quote} # c")
    assert [literal.value for literal in reading.verbatim] == [f"a{quote}b"]
    assert reading.comments


def test_the_reader_follows_sub_expressions_inside_double_quoted_strings() -> None:
    text = "Write-Host \"x $(if ($a) { \"('$($a.Name)')\" }) `$(y) $(Get-Date -f 'yyyy')\" 'z'"
    reading = powershell_strings.read(text)
    assert [literal.value for literal in reading.verbatim] == ["yyyy", "z"]


def test_the_reader_refuses_a_here_string_rather_than_misreading_it() -> None:
    with pytest.raises(powershell_strings.Unreadable):
        powershell_strings.read("$x = @'\nabc\n'@")


# --- shell ---------------------------------------------------------------------------------------


def _unquoted_expansions(line: str) -> list[int]:
    """Indexes of ``$`` and backticks a POSIX shell would still expand (outside single quotes)."""
    found, i, quoted_by = [], 0, ""
    while i < len(line):
        char = line[i]
        if quoted_by == "'":
            quoted_by = "" if char == "'" else quoted_by
        elif char == "\\":
            i += 1
        elif char == "'" and not quoted_by:
            quoted_by = "'"
        elif char == '"':
            quoted_by = "" if quoted_by == '"' else '"'
        elif char in "$`":
            found.append(i)
        i += 1
    return found


def _shell_words_holding_the_canary(where: str, text: str) -> list[str]:
    words = []
    for line in text.splitlines():
        if CANARY not in line:
            continue
        assert not _unquoted_expansions(line), f"{where}: the shell would expand {line!r}"
        words += [word for word in shlex.split(line, comments=True) if CANARY in word]
    return words


def test_the_shell_check_sees_an_unquoted_substitution() -> None:
    assert _unquoted_expansions("swaks --from X$(reboot)") == [14]
    assert _unquoted_expansions("swaks --from 'X$(reboot)'") == []
    assert _unquoted_expansions('swaks --from "X$(reboot)"') == [15]


# --- control characters --------------------------------------------------------------------------

CONTROL_FIELDS = (
    "connector", "mailbox", "sender", "tenant", "client_id", "service_principal_id", "certificate_thumbprint",
    "smtp_host", "relay_host", "test_recipient", "egress_ips", "sid", "client",
)  # fmt: skip


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _strings(value)


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("name", CONTROL_FIELDS)
def test_a_control_character_in_any_value_refuses_the_steps_naming_the_field(option: str, name: str) -> None:
    for char, code in CONTROL_CHARACTERS.items():
        base = config(option=option, smtp_host="relay.corp.example" if option == "relay_server" else "")
        guide = guide_for(_with(base, name, f"X{char}Y"), today=TODAY)
        assert not guide.steps and not guide.scripts, (name, code)
        errors = [problem for problem in guide.problems if problem.is_error and problem.field == name]
        assert errors, (name, code, guide.problems)
        assert code in errors[0].message
        assert f"X{char}Y" not in guide.to_markdown(), (name, code)
        assert not any(char in text for text in _strings(guide.to_dict())), (name, code)
        assert "not generated" in guide.summary


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_the_refusal_names_every_field_that_holds_a_control_character(option: str) -> None:
    guide = guide_for(config(option=option, connector="A\nB", mailbox="m\u2028@contoso.com"), today=TODAY)
    assert {problem.field for problem in guide.problems if problem.is_error} >= {"connector", "mailbox"}
    assert "Connector name" in guide.summary and "Mailbox" in guide.summary
