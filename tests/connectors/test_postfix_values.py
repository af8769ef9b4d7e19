"""The one rule for values in Postfix files: kept as they are, or refused — never escaped."""

from __future__ import annotations

import string

import pytest

from connectors.postfix import PostfixValueError, postfix_value

ALLOWED = set(string.ascii_letters + string.digits + "._@+-")
# Characters a reader of the generated files could be fooled by, or that Postfix reads as syntax.
HOSTILE = [
    *(chr(code) for code in range(0x2018, 0x201F)),  # quote look-alikes: ‘ ’ ‚ ‛ “ ” „ ‟
    "`",
    "'",
    '"',
    "$(reboot)",
    "${config_directory}",
    "\n",
    "\r",
    "\x00",
    "\t",
    " ",
    "\u00a0",  # no-break space
    "\u2028",  # line separator
    ",",
    ":",
    "{",
    "}",
    "[",
    "]",
    "!",
    "#",
    "/",
    "\\",
    ";",
    "|",
    "=",
    "١٠٠",  # Arabic-Indic digits
    "é",
]


@pytest.mark.parametrize("value", ["smtp.office365.com", "sap-prd@contoso.com", "PRD", "100", "a_b+c@d-e.f"])
def test_host_names_addresses_and_sids_stay_as_they_are(value: str) -> None:
    assert postfix_value(value, field="smtp_host") == value


@pytest.mark.parametrize("bad", HOSTILE)
def test_quote_look_alikes_expansions_control_characters_and_list_syntax_are_refused(bad: str) -> None:
    with pytest.raises(PostfixValueError) as refused:
        postfix_value(f"sap{bad}prd@contoso.com", field="mailbox")
    assert refused.value.field == "mailbox"
    message = str(refused.value)
    assert message.startswith("Mailbox ")
    # The message can be shown anywhere: the value is ASCII-escaped, so no raw control character.
    assert message.isprintable() and message.isascii()


def test_every_character_outside_the_plain_alphabet_is_refused() -> None:
    # All of Unicode's first plane, one character at a time: nothing slips through the rule.
    for code in range(0x10000):
        char = chr(code)
        if char in ALLOWED:
            assert postfix_value(f"a{char}b", field="smtp_host") == f"a{char}b"
        else:
            with pytest.raises(PostfixValueError):
                postfix_value(f"a{char}b", field="smtp_host")


def test_the_refusal_says_why_in_postfix_terms() -> None:
    with pytest.raises(PostfixValueError, match="parameter expansion"):
        postfix_value("a$b", field="mailbox")
    with pytest.raises(PostfixValueError, match=r"U\+000A"):
        postfix_value("a\nb", field="mailbox")
    with pytest.raises(PostfixValueError, match="A-label"):
        postfix_value("bücher.example", field="relay_host")
    with pytest.raises(PostfixValueError, match="empty"):
        postfix_value("", field="relay_host")
