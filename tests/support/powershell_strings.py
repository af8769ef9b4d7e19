"""An independent reading of PowerShell text: where its string literals start and end, and what
they hold. Test support only; it shares no code with ``connectors``.

Written from the Windows PowerShell Language Specification 3.0 (MicrosoftDocs/PowerShell-Docs,
reference/docs-conceptual/lang-spec/chapter-02.md and chapter-15.md, §2.2 and §2.3.5.2), and
about_Quoting_Rules:

- single-quote-character: ``'`` U+0027, U+2018, U+2019, U+201A, U+201B;
- double-quote-character: ``"`` U+0022, U+201C, U+201D, U+201E;
- verbatim-string-literal: a single-quote-character, verbatim-string-parts, a single-quote-character;
  a verbatim-string-part is any character but a single-quote-character, or two single-quote-characters
  in a row ("the character used to delimit ... can be contained in such a string literal by writing
  that character twice"); nothing inside is expanded, a backtick included;
- expandable-string-literal: delimited by double-quote-characters; a backtick escapes the next
  character, two double-quote-characters stand for one, ``$(`` opens a sub-expression that runs to
  its matching ``)`` and is read as code (its own strings and comments included);
- comments: ``#`` to the end of the line (new-line-character: CR or LF), ``<#`` to ``#>``;
- here-strings (``@'`` / ``@"`` at the end of a line) are not read: generated text has none, and
  meeting one fails loudly rather than reading it wrong.

Where the specification leaves a question open — two *different* single-quote-characters in a row
inside a verbatim string — the literal is marked ``ambiguous`` and the tests refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass

SINGLE_QUOTES = frozenset("'\u2018\u2019\u201a\u201b")
DOUBLE_QUOTES = frozenset('"\u201c\u201d\u201e')
NEW_LINES = frozenset("\r\n")
BACKTICK = "`"
# A '#' opens a comment where a new token can start: after white space or one of these.
TOKEN_BOUNDARY = frozenset(" \t\f\v\r\n;(){}|,&=")


@dataclass(frozen=True)
class Verbatim:
    start: int  # index of the opening quote
    end: int  # index just past the closing quote
    value: str
    ambiguous: bool = False


@dataclass(frozen=True)
class Reading:
    verbatim: tuple[Verbatim, ...]  # every single-quoted literal, also those inside $( ) of "..."
    expandable: tuple[tuple[int, int], ...]  # spans of "..." text outside their sub-expressions
    comments: tuple[tuple[int, int], ...]

    def literal_at(self, index: int) -> Verbatim | None:
        return next((lit for lit in self.verbatim if lit.start <= index < lit.end), None)

    def in_comment(self, index: int) -> bool:
        return any(start <= index < end for start, end in self.comments)

    def in_expandable_text(self, index: int) -> bool:
        return any(start <= index < end for start, end in self.expandable)


class Unreadable(AssertionError):
    """The text is not PowerShell this reader can follow (an unclosed string, a here-string)."""


def read(text: str) -> Reading:
    reader = _Reader(text)
    end = reader.code(0, closing_paren=False)
    if end != len(text):
        raise Unreadable(f"unbalanced ')' at {end}")
    return Reading(tuple(reader.verbatim), tuple(reader.expandable), tuple(reader.comments))


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.verbatim: list[Verbatim] = []
        self.expandable: list[tuple[int, int]] = []
        self.comments: list[tuple[int, int]] = []

    def code(self, i: int, *, closing_paren: bool) -> int:
        """Read code from ``i``; inside a sub-expression, stop at its closing ``)`` (returned index)."""
        text, depth = self.text, 0
        while i < len(text):
            char = text[i]
            before = text[i - 1] if i else " "
            if char == "<" and text.startswith("<#", i):
                close = text.find("#>", i + 2)
                if close < 0:
                    raise Unreadable(f"block comment at {i} never ends")
                self.comments.append((i, close + 2))
                i = close + 2
            elif char == "#" and before in TOKEN_BOUNDARY:
                close = _line_end(text, i)
                self.comments.append((i, close))
                i = close
            elif char == "@" and i + 1 < len(text) and text[i + 1] in SINGLE_QUOTES | DOUBLE_QUOTES:
                if _only_blanks_to_line_end(text, i + 2):
                    raise Unreadable(f"here-string at {i}: not read by this reader")
                i += 1  # '@' then an ordinary string (e.g. a splat name never looks like this)
            elif char in SINGLE_QUOTES:
                i = self.verbatim_string(i)
            elif char in DOUBLE_QUOTES:
                i = self.expandable_string(i)
            elif char == BACKTICK:
                i += 2
            elif char == "(":
                depth += 1
                i += 1
            elif char == ")":
                if depth == 0 and closing_paren:
                    return i
                depth -= 1
                i += 1
            else:
                i += 1
        if closing_paren:
            raise Unreadable("a $( sub-expression never ends")
        return i

    def verbatim_string(self, start: int) -> int:
        text, value, ambiguous = self.text, [], False
        i = start + 1
        while i < len(text):
            char = text[i]
            if char in SINGLE_QUOTES:
                if i + 1 < len(text) and text[i + 1] in SINGLE_QUOTES:
                    ambiguous = ambiguous or text[i + 1] != char
                    value.append(char)
                    i += 2
                    continue
                self.verbatim.append(Verbatim(start, i + 1, "".join(value), ambiguous))
                return i + 1
            value.append(char)
            i += 1
        raise Unreadable(f"single-quoted string at {start} never ends")

    def expandable_string(self, start: int) -> int:
        text = self.text
        i, run_start = start + 1, start
        while i < len(text):
            char = text[i]
            if char == BACKTICK:
                i += 2
            elif char == "$" and text.startswith("$(", i):
                self.expandable.append((run_start, i))
                close = self.code(i + 2, closing_paren=True)
                i = run_start = close + 1
            elif char in DOUBLE_QUOTES:
                if i + 1 < len(text) and text[i + 1] in DOUBLE_QUOTES:
                    i += 2
                    continue
                self.expandable.append((run_start, i + 1))
                return i + 1
            else:
                i += 1
        raise Unreadable(f"double-quoted string at {start} never ends")


def _line_end(text: str, i: int) -> int:
    ends = [pos for pos in (text.find(char, i) for char in NEW_LINES) if pos >= 0]
    return min(ends, default=len(text))


def _only_blanks_to_line_end(text: str, i: int) -> bool:
    end = _line_end(text, i)
    return not text[i:end].strip(" \t")
