"""The one quoting function per language: what each language reads back is exactly the value."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from connectors.guide import Command, Step, Value, Where
from connectors.quoting import (
    UnsafeText,
    describe_character,
    powershell_bareword,
    powershell_literal,
    sap_field,
    sap_profile_value,
    shell_word,
    unsafe_character,
)
from tests.support import powershell_strings

QUOTES = "'\u2018\u2019\u201a\u201b\"\u201c\u201d\u201e"
SPECIALS = QUOTES + "`$(){}[];#|&<>@,.-\u2013\u2014 \\"
# Text made mostly of what PowerShell and the shell treat specially, plus any printable character.
SAFE_CHARACTERS = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")).filter(lambda c: not unsafe_character(c))
HOSTILE_TEXT = st.text(st.one_of(st.sampled_from(SPECIALS), SAFE_CHARACTERS), max_size=40)
DETERMINISTIC = settings(derandomize=True, database=None, max_examples=400)
UNSAFE = ["\x00", "\t", "\n", "\r", "\x0b", "\x1b", "\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029"]
UNSAFE += ["\u061c", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"]


@DETERMINISTIC
@given(HOSTILE_TEXT)
@example("X\u2019; Remove-InboundConnector -Identity Corp -Confirm:$false #")
@example("\u2018\u2019\u201a\u201b'")
@example("'")
@example("")
def test_a_powershell_literal_reads_back_as_exactly_the_value(value: str) -> None:
    literal = powershell_literal(value)
    reading = powershell_strings.read(f"Set-Thing -Name {literal} -Other 'x'  # done")
    first = reading.verbatim[0]
    assert (first.start, first.end) == (len("Set-Thing -Name "), len("Set-Thing -Name ") + len(literal))
    assert first.value == value and not first.ambiguous
    assert [lit.value for lit in reading.verbatim[1:]] == ["x"]


@pytest.mark.parametrize("quote", ["\u2018", "\u2019", "\u201a", "\u201b"])
def test_every_single_quote_look_alike_is_doubled_not_only_the_ascii_one(quote: str) -> None:
    assert powershell_literal(f"a{quote}b") == f"'a{quote}{quote}b'"


def test_nothing_inside_a_powershell_literal_is_expanded() -> None:
    assert powershell_literal("$(Get-Date) `n $env:PATH") == "'$(Get-Date) `n $env:PATH'"


@DETERMINISTIC
@given(HOSTILE_TEXT)
@example("o'brien@contoso.com")
@example("$(reboot)")
@example("`reboot`")
def test_a_shell_word_splits_back_into_exactly_the_value(value: str) -> None:
    assert shlex.split(f"swaks --from {shell_word(value)} --to x") == ["swaks", "--from", value, "--to", "x"]
    assert shlex.split(f"swaks --from {shell_word(value)} --to x # note", comments=True)[2] == value


def test_a_shell_word_leaves_the_shell_nothing_to_expand() -> None:
    for value in ("$(reboot)", "`reboot`", "${HOME}", "a;b", "a b"):
        word = shell_word(value)
        assert word.startswith("'") and word.endswith("'"), word


def test_sap_text_passes_unchanged_when_it_is_one_printable_line() -> None:
    for value in ("X\u2019; DELETE", "o'brien@contoso.com", "icm/server_port_1 = PROT=SMTP", "$(x) `y` #z"):
        assert sap_field(value) == value


@pytest.mark.parametrize("char", UNSAFE, ids=[f"U+{ord(c):04X}" for c in UNSAFE])
def test_every_language_refuses_an_unsafe_character_naming_it_but_not_the_value(char: str) -> None:
    value = f"secret-looking{char}value"
    for quoter in (powershell_literal, shell_word, sap_field, sap_profile_value):
        with pytest.raises(UnsafeText) as refused:
            quoter(value)
        assert f"U+{ord(char):04X}" in str(refused.value)
        assert "secret-looking" not in str(refused.value)


def test_the_unsafe_characters_are_named_for_people() -> None:
    assert describe_character("\n") == "a line break (U+000A)"
    assert describe_character("\x00") == "a NUL character (U+0000)"
    assert describe_character("\u2028") == "a line separator (U+2028)"
    assert describe_character("\u202e") == "a bidirectional control character (U+202E)"
    assert describe_character("\x9b") == "a control character (U+009B)"


def test_printable_unicode_is_not_unsafe() -> None:
    assert unsafe_character("Müller ’ “ ” – — 東京 🙂 \u00a0") is None


def test_a_bare_powershell_word_is_only_letters_and_digits() -> None:
    assert powershell_bareword("O365USGovGCCHigh") == "O365USGovGCCHigh"
    for value in ("Global;", "a b", "$x", "'Global'", "", "Global\u2019"):
        with pytest.raises(UnsafeText):
            powershell_bareword(value)


def test_a_sap_profile_value_refuses_a_dollar_which_sap_would_substitute() -> None:
    assert sap_profile_value("PROT=SMTP,PORT=25000,TIMEOUT=180,TLS=1") == "PROT=SMTP,PORT=25000,TIMEOUT=180,TLS=1"
    for value in ("$(SAPSYSTEMNAME)", "logfile$$", "a$b"):
        with pytest.raises(UnsafeText, match="replaces"):
            sap_profile_value(value)


def test_a_profile_line_on_a_sap_step_is_checked_as_a_profile_value() -> None:
    with pytest.raises(UnsafeText):
        Step(key="sap.x", where=Where.SAP_GUI, title="t", why="w", command=Command("ini", "x/y = $(DIR_HOME)"))
    Step(key="relay.x", where=Where.RELAY, title="t", why="w", command=Command("ini", "myhostname = $myhost"))


def test_a_sap_screen_value_with_an_unsafe_character_cannot_even_be_built() -> None:
    with pytest.raises(UnsafeText):
        Step(key="sap.x", where=Where.SAP_GUI, title="t", why="w", values=(Value("Mail host", "a\nb"),))
    # Prose on a SAP step, and values for other places, are not SAP fields.
    Step(key="sap.x", where=Where.SAP_GUI, title="t", why="w", values=(Value("Path", "a\nb", literal=False),))
