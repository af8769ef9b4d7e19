"""Every value that goes into generated text passes through here: one function per language.

- ``powershell_literal``: a single-quoted (verbatim) PowerShell string. PowerShell takes five
  characters for a single quote — ``'`` and the look-alikes U+2018, U+2019, U+201A, U+201B — so
  each is doubled, not only the ASCII one; inside, nothing is expanded (no ``$``, no backtick).
  Source: PowerShell Language Specification 3.0, §2.3.5.2 String literals (single-quote-character,
  verbatim-string-part) and about_Quoting_Rules.
- ``shell_word``: one POSIX shell word, by the standard library's ``shlex.quote``.
- ``sap_field``: text for a SAP GUI field. SAP has no quoting: a field takes what is pasted. A
  value is safe there when it is one line of printable characters, and it passes unchanged.
- ``sap_profile_value``: the value of a profile parameter line (RZ10, ``name = value``), which
  runs to the end of the line and in which SAP replaces ``$(name)`` and ``$$``; SAP documents no
  escape, so a ``$`` is refused. Source: SAP Help, "Variables in Profile Values",
  https://help.sap.com/saphelp_nwpi711/helpdata/EN/c4/3a6150505211d189550000e829fbbd/content.htm

All three refuse *unsafe characters* (``UnsafeText``): C0 and C1 control characters (NUL, tab and
line breaks included), DEL, the Unicode line and paragraph separators, and the bidirectional
controls that make a command display differently from what it runs (CVE-2021-42574, "Trojan
Source"). No language here can show them safely, so a value holding one is refused where it is
entered (``connectors.rules``) and never reaches a guide; the refusal here is the last guard.
"""

from __future__ import annotations

import re
import shlex
import unicodedata

SINGLE_QUOTE_CHARACTERS = "'\u2018\u2019\u201a\u201b"

_SEPARATORS = {"\u2028": "a line separator", "\u2029": "a paragraph separator"}
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMES = {
    "\x00": "a NUL character",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
    "\x85": "a next-line character",
    "\x7f": "a delete character",
    **_SEPARATORS,
}
# A bare word needs no quotes only while it is letters and digits (PowerShell's environment names).
_BAREWORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


class UnsafeText(ValueError):
    """A value holds a character no generated text may carry; the message names it, not the value."""


def unsafe_character(text: str) -> str | None:
    """The first unsafe character in ``text``, or None."""
    for char in text:
        if unicodedata.category(char) == "Cc" or char in _SEPARATORS or char in _BIDI_CONTROLS:
            return char
    return None


def describe_character(char: str) -> str:
    """``a line break (U+000A)``: what a person can look for, without echoing the value."""
    if char in _NAMES:
        name = _NAMES[char]
    elif char in _BIDI_CONTROLS:
        name = "a bidirectional control character"
    else:
        name = "a control character"
    return f"{name} (U+{ord(char):04X})"


def refuse_unsafe(value: str, where: str) -> str:
    char = unsafe_character(value)
    if char is not None:
        raise UnsafeText(f"a value for {where} contains {describe_character(char)}")
    return value


def powershell_literal(value: str) -> str:
    """``value`` as one single-quoted PowerShell string that reads back as exactly ``value``."""
    refuse_unsafe(value, "PowerShell")
    doubled = "".join(char * 2 if char in SINGLE_QUOTE_CHARACTERS else char for char in value)
    return f"'{doubled}'"


def powershell_bareword(value: str) -> str:
    """A fixed name written without quotes (``-Environment Global``); only letters and digits."""
    if not _BAREWORD.fullmatch(value):
        raise UnsafeText(f"{value!r} is not a plain PowerShell word: quote it with powershell_literal")
    return value


def shell_word(value: str) -> str:
    """``value`` as one POSIX shell word: nothing in it is expanded or split."""
    return shlex.quote(refuse_unsafe(value, "the shell"))


def shell_command(words: list[str] | tuple[str, ...]) -> str:
    """A command line of ``words``, each one shell word (``shell_word``)."""
    return " ".join(shell_word(word) for word in words)


def sap_field(value: str) -> str:
    """``value`` for a SAP GUI field: unchanged once it is known to be safe."""
    return refuse_unsafe(value, "a SAP field")


def sap_profile_value(value: str) -> str:
    """``value`` for a SAP profile parameter: one printable line without ``$``, unchanged."""
    refuse_unsafe(value, "a SAP profile parameter")
    if "$" in value:
        raise UnsafeText("a SAP profile parameter cannot hold '$': SAP replaces $(name) and $$ in profile values")
    return value
