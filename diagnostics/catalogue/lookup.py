"""The error lookup: pasted text in, the catalogue entries it names out.

Recognises what a Basis admin or the helpdesk copies from SAP and Microsoft: SMTP replies (basic and
enhanced codes: ``550 5.7.64 …``), AADSTS errors, SAPconnect messages (``XS806``, or only their text),
SOST status texts, ICM trace errors (``SSSLERR_…``, ``NIE…``, ``ICM_HTTP_…``) and our own check codes.
One matcher for the page and ``manage.py explain``; pure text work, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from diagnostics.catalogue import Entry, entries, explain

MAX_TEXT = 8000  # characters looked at: a trace excerpt, not a whole trace file

_SMTP = re.compile(r"(?<![\d.])([245]\d\d)[ -]+([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_ENHANCED_ONLY = re.compile(r"(?<![\d.\w])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_BASIC_ONLY = re.compile(r"(?m)^\s*(?:S:\s*)?([45]\d\d)[ -](?![245]\.\d)(\S.*)$")
_AADSTS = re.compile(r"\bAADSTS(\d{5,8})\b")
_XS = re.compile(r"\bXS\s?(\d{3})\b", re.I)
_TRACE = re.compile(r"\b((?:SSSLERR_|ICM_HTTP_|NIE)[A-Z_]+)\b")


@dataclass(frozen=True)
class Match:
    entry: Entry
    code: str  # as found in the text ("5.7.612" inside the range 5.7.606-649)
    kind: str  # "smtp", "aadsts", "sapconnect", "sost", "icm", "check"
    excerpt: str  # the line it was found on

    @property
    def codes(self) -> tuple[str, ...]:
        """What our checks store for this fault, to find the systems whose last run shows it."""
        return tuple(dict.fromkeys((self.code, self.entry.code, *self.entry.related)))


def match_text(text: str) -> list[Match]:
    """Every catalogue entry the text names, in the order they appear; each entry once."""
    text = (text or "")[:MAX_TEXT]
    found: list[tuple[int, Match]] = []
    found += _smtp_matches(text)
    for hit in _AADSTS.finditer(text):
        code = f"AADSTS{hit.group(1)}"
        entry = _known(code) or _known("AADSTS")
        if entry is not None:
            found.append((hit.start(), Match(entry, code, "aadsts", _line(text, hit.start()))))
    for hit in _XS.finditer(text):
        entry = _known(f"XS{hit.group(1)}")
        if entry is not None:
            found.append((hit.start(), Match(entry, entry.code, "sapconnect", _line(text, hit.start()))))
    for hit in _TRACE.finditer(text):
        entry = _known(hit.group(1))
        if entry is not None:
            found.append((hit.start(), Match(entry, entry.code, "icm", _line(text, hit.start()))))
    for entry in entries():
        if entry.recognise and (hit := re.search(entry.recognise, text, re.I)):
            kind = "sost" if entry.code.startswith("sost.") else "sapconnect"
            found.append((hit.start(), Match(entry, entry.code, kind, _line(text, hit.start()))))
    found += _check_codes(text)
    return _unique(found)


def _smtp_matches(text: str) -> list[tuple[int, Match]]:
    found: list[tuple[int, Match]] = []
    taken: list[tuple[int, int]] = []
    for hit in _SMTP.finditer(text):
        line = _line(text, hit.start())
        found.append((hit.start(), Match(explain(hit.group(2), line), hit.group(2), "smtp", line)))
        taken.append(hit.span())
    for hit in _ENHANCED_ONLY.finditer(text):
        if any(start <= hit.start() < end for start, end in taken):
            continue
        line = _line(text, hit.start())
        entry = explain(hit.group(1), line)
        if entry.source or entry.match:  # only catalogue entries: a bare x.y.z may be a version number
            found.append((hit.start(), Match(entry, hit.group(1), "smtp", line)))
    for hit in _BASIC_ONLY.finditer(text):
        found.append((hit.start(1), Match(explain(hit.group(1), hit.group(2)), hit.group(1), "smtp", hit.group(0))))
    return found


def _check_codes(text: str) -> list[tuple[int, Match]]:
    """Codes of our own checks as the portal shows them (tls.certificate_untrusted, dns.mx_subdomain …)."""
    found: list[tuple[int, Match]] = []
    for hit in re.finditer(r"\b([a-z]+(?:_[a-z]+)?\.[a-z_]+)\b", text):
        entry = _known(hit.group(1))
        if entry is not None:
            found.append((hit.start(), Match(entry, entry.code, "check", _line(text, hit.start()))))
    return found


def _known(code: str) -> Entry | None:
    return _index().get(code.lower())


@cache
def _index() -> dict[str, Entry]:
    """One entry per code: the codes looked up here (XS…, AADSTS…, trace errors, check codes) are unique."""
    index: dict[str, Entry] = {}
    for entry in entries():
        index[entry.code.lower()] = entry
    return index


def _line(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end >= 0 else len(text)].strip()[:300]


def _unique(found: list[tuple[int, Match]]) -> list[Match]:
    seen: set[tuple[str, str]] = set()
    result: list[Match] = []
    for _, match in sorted(found, key=lambda item: item[0]):
        key = (match.entry.code, match.entry.meaning)
        if key not in seen:
            seen.add(key)
            result.append(match)
    return result
