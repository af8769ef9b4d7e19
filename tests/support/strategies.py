"""Hypothesis strategies for arbitrary Unicode input, and the settings every property test uses.

Arbitrary text alone rarely hits the characters that broke the portal, so the strategies mix it with
valid values in which one character is swapped for a look-alike: digits of other scripts (``١٠٠``),
full-width forms (``５８７``), superscripts (``²``: ``str.isdigit()`` says yes, ``int()`` says no),
letters whose case mapping changes length or lands in ASCII (``ß`` → ``SS``, ``ﬀ`` → ``FF``,
``K`` Kelvin → ``k``), Unicode spaces and control characters.
"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Derandomised: CI draws the same examples on every run, so a failure is reproducible and the time fixed.
PURE = settings(max_examples=300, derandomize=True, database=None, deadline=None)
PAGES = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    # The fixtures (users, a system) are only read; every example rolls its writes back.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The import is fast (no HTTP): more examples for each column.
IMPORT = settings(PAGES, max_examples=100)

LOOK_ALIKES = [
    "١", "٠", "٣", "۵", "७", "০", "๑", "５", "８", "０", "²", "³", "¹", "½", "Ⅻ", "①", "𝟖", "߁",
    "ß", "ﬀ", "ﬁ", "İ", "ı", "ſ", "K", "Å", "ǅ", "ŉ", "Ａ", "ａ", "Ｐ", "ℌ",
    "\u00a0", "\u2003", "\u3000", "\u200b", "\ufeff", "\u202e", "\x85", "\x1c", "\x0b",
    "\x00", "\n", "\r", "\t", "%", "_", "-", "+", ".", ",", ";", ":", "/", "@", "[", "]", "'", '"', "\\", "<", "&",
]  # fmt: skip
ASCII_WORD = string.ascii_letters + string.digits


def _swap(value: str, index: int, char: str) -> str:
    if not value:
        return char
    index %= len(value) + 1
    return value[:index] + char + value[index + 1 :]


def unicode_text(valid: list[str] | None = None, max_size: int = 12) -> st.SearchStrategy[str]:
    """Arbitrary Unicode (no lone surrogates: no browser can send them), look-alike soup, and
    ``valid`` values with a character replaced or inserted."""
    options = [
        st.text(max_size=max_size),
        st.lists(st.sampled_from([*LOOK_ALIKES, *ASCII_WORD]), max_size=max_size).map("".join),
        # Numbers of every script (decimal digits, superscripts, numerals) among ASCII digits and dots.
        st.text(
            st.one_of(st.sampled_from(string.digits + "."), st.characters(categories=("Nd", "No", "Nl"))),
            max_size=max_size,
        ),  # fmt: skip
        # Letters of every script among ASCII letters, digits, dots and hyphens.
        st.text(
            st.one_of(st.sampled_from(ASCII_WORD + ".-"), st.characters(categories=("Lu", "Ll", "Lt"))),
            max_size=max_size,
        ),  # fmt: skip
    ]
    if valid:
        options.append(st.builds(_swap, st.sampled_from(valid), st.integers(0, 40), st.sampled_from(LOOK_ALIKES)))
        options.append(
            st.builds(
                lambda value, index, char: value[: index % (len(value) + 1)] + char + value[index % (len(value) + 1) :],
                st.sampled_from(valid),
                st.integers(0, 40),
                st.sampled_from(LOOK_ALIKES),
            )
        )
        options.append(st.sampled_from(valid))
    return st.one_of(*options)
