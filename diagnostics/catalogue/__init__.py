"""One catalogue of the codes a diagnosis can name: what each means, why it happens, how to fix it.

Tables are plain data in the modules listed in ``TABLES`` (each exports ``ENTRIES``); to add a
table, write its module and add its name there — no discovery magic. A module not written yet is
skipped, so the catalogue works while a table is still on its way.

    explain("5.7.139", "… basic authentication is disabled") -> Entry(...)
    finding("smtp.auth", "5.7.139", text=reply_text, evidence=...) -> Finding(...)
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from diagnostics.catalogue.check_terms import CHECK_TERMS, CheckTerm
from diagnostics.findings import Finding, Status

# Modules of this package holding an ENTRIES table, in lookup order (the first match wins).
TABLES: tuple[str, ...] = (
    "smtp_replies",  # Exchange Online SMTP replies (5.7.139, 5.7.64 ...)
    "transport",  # our own findings about TCP, the SMTP session and TLS (tcp.refused ...)
    "entra_errors",  # Entra ID AADSTS codes
    "dns_findings",  # DNS, SPF, DMARC and DNSBL findings
    "sap_messages",  # what SAP shows: SAPconnect (XS) messages, SOST statuses, ICM trace errors
)

_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b", re.ASCII)  # a server's digits, 0-9 only


@dataclass(frozen=True)
class Entry:
    code: str  # "5.7.139", a range "5.7.606-649", "AADSTS7000215" or our own "tls.version_too_old"
    meaning: str  # what it means, one sentence
    cause: str  # why it usually happens
    remedy: str  # what to do, in the words of the step (Entra ID, Exchange Online, DNS, SAP transaction)
    status: Status = Status.FAIL  # how a check rates it: WARN when mail still flows (late or throttled)
    match: str = ""  # regex (case-insensitive) on the reply text, to tell variants of one code apart
    context: str = ""  # e.g. "xoauth2" or "basic": prefer this variant when the caller says so
    source: str = ""  # where the fact comes from
    # For the helpdesk: one reviewed sentence a non-specialist understands (no codes, no jargon),
    # and who fixes it (one of ``fixers.FIXERS``). A test holds every entry to having both.
    plain: str = ""
    fixed_by: str = ""
    # For the error lookup: a regex that recognises this entry in pasted text when its code is not written
    # (a SOST status, the text of an SAP message), and the codes our checks report for the same fault.
    recognise: str = ""
    related: tuple[str, ...] = ()

    def matches(self, code: str, text: str) -> bool:
        return _code_matches(self.code, code) and (not self.match or re.search(self.match, text, re.I) is not None)


def _code_matches(pattern: str, code: str) -> bool:
    if pattern.lower() == code.lower():
        return True
    # Ranges: "5.7.606-649" covers 5.7.606 ... 5.7.649.
    head, dash, high = pattern.rpartition("-")
    if not dash or not high.isdigit() or head.count(".") != 2:
        return False
    prefix, _, low = head.rpartition(".")
    wanted_prefix, _, detail = code.rpartition(".")
    return prefix == wanted_prefix and detail.isdigit() and low.isdigit() and int(low) <= int(detail) <= int(high)


_ENTRY_FIELDS = (
    "meaning", "cause", "remedy", "status", "match", "context", "source", "plain", "fixed_by", "recognise", "related",
)  # fmt: skip


@cache
def entries() -> tuple[Entry, ...]:
    """Every entry of every table that exists, in lookup order."""
    found: list[Entry] = []
    for name in TABLES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the table exists but imports something missing: a bug, say so
            continue
        found.extend(_as_entries(module.ENTRIES))
    return tuple(found)


def _as_entries(table: Iterable[Any] | Mapping[str, Mapping[str, Any]]) -> Iterable[Entry]:
    """A table is a sequence of Entry, or a mapping code -> {"meaning", "remedy", ...}."""
    if isinstance(table, Mapping):
        for code, values in table.items():
            known = {name: values[name] for name in _ENTRY_FIELDS if name in values}
            yield Entry(code=code, **{"meaning": "", "cause": "", "remedy": "", **known})
        return
    for item in table:
        yield item if isinstance(item, Entry) else Entry(**item)


@cache
def _variants(code: str) -> tuple[Entry, ...]:
    found = tuple(entry for entry in entries() if _code_matches(entry.code, code))
    if not found and code.upper().startswith("AADSTS"):  # an Entra code without its own entry
        found = tuple(entry for entry in entries() if entry.code == "AADSTS")
    return found


def entry_of(code: str, explanation: str = "") -> Entry | None:
    """The entry behind a stored result's code, for its plain words; None when the catalogue lacks it.

    A stored result keeps its code and explanation, not the reply text, so the variant is the one
    whose meaning opens the explanation (``finding`` writes it that way), else the unqualified one.
    """
    variants = _variants(code) if code else ()
    for entry in variants:
        if explanation.startswith(entry.meaning):
            return entry
    plain = [entry for entry in variants if not entry.match and not entry.context]
    return (plain or list(variants) or [None])[0]


def check_term(key: str) -> CheckTerm | None:
    """A check's short name, definition, plain sentence and who fixes it (``check_terms``)."""
    return CHECK_TERMS.get(key)


def enhanced_code(text: str) -> str | None:
    """The enhanced status code at the start of a reply text: '5.7.139 Authentication…' -> '5.7.139'."""
    found = _ENHANCED.match(text or "")
    return ".".join(found.groups()) if found else None


def explain(code: str, text: str = "", *, context: str = "") -> Entry:
    """The entry for a code; a variant whose ``match`` fits ``text`` and whose context fits wins.

    Unknown SMTP codes get a generic entry from their class (4 = try again later, 5 = refused) and
    subject (RFC 3463), so a caller always gets something to show.
    """
    candidates = [entry for entry in entries() if entry.matches(code, text)]
    if candidates:
        # Prefer: same context and a specific match; then a specific match; then the plain entry.
        return max(candidates, key=lambda e: (e.context == context and bool(context), bool(e.match), not e.context))
    return _generic(code, text)


_SUBJECTS = {
    "0": "other or undefined",
    "1": "an addressing problem",
    "2": "a mailbox problem",
    "3": "a mail system problem",
    "4": "a network or routing problem",
    "5": "a protocol problem",
    "6": "a message content problem",
    "7": "a security or policy decision",
}


def _generic(code: str, text: str) -> Entry:
    if len(code) == 3 and code.isdigit() and code[0] in "45":  # a basic reply code without enhanced code
        transient = code[0] == "4"
        return Entry(
            code=code,
            meaning=f"The server {'deferred' if transient else 'refused'} the request ({code}).",
            cause=f"The server said: {text.strip()[:200]}" if text else "Not in the catalogue.",
            remedy="The transcript shows the exact reply; look it up in the server's documentation.",
            status=Status.WARN if transient else Status.FAIL,
        )
    parts = code.split(".")
    if len(parts) == 3 and parts[0] in "245" and all(p.isdigit() for p in parts):
        transient = parts[0] == "4"
        subject = _SUBJECTS.get(parts[1][:1], "an unlisted reason")
        return Entry(
            code=code,
            meaning=f"The server {'deferred' if transient else 'refused'} the request: {subject} ({code}).",
            cause=f"The server said: {text.strip()[:200]}" if text else "Not in the catalogue.",
            remedy="Look up the code in the server's documentation; the transcript shows the exact reply.",
            status=Status.WARN if transient else Status.FAIL,
        )
    return Entry(
        code=code,
        meaning=f"{code}: not in the catalogue.",
        cause=text.strip()[:200],
        remedy="See the evidence for the exact reply.",
    )


def finding(
    key: str,
    code: str,
    *,
    text: str = "",
    context: str = "",
    summary: str | None = None,
    status: Status | None = None,
    evidence: str = "",
    facts: Mapping[str, Any] | None = None,
    extra: str = "",
) -> Finding:
    """A finding that names ``code`` with the catalogue's meaning, cause and remedy.

    ``summary`` defaults to the entry's meaning; ``extra`` is appended to the explanation (what
    this run saw that the catalogue can't know: the host, the IP, the date).
    """
    entry = explain(code, text, context=context)
    explanation = f"{entry.meaning} {entry.cause}".strip()
    if extra:
        explanation = f"{explanation} {extra}".strip()
    return Finding(
        key=key,
        status=Status(status or entry.status),
        summary=summary or entry.meaning,
        code=entry.code if not _is_range(entry.code) else code,
        explanation=explanation,
        remedy=entry.remedy,
        evidence=evidence,
        facts=dict(facts or {}),
    )


def _is_range(code: str) -> bool:
    return "-" in code.rpartition(".")[2]
