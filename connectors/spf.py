"""Build the domain's one SPF record: the existing record merged with the SAP egress IPs and the
cloud's ``include:``.

Pure text processing on records passed in (the diagnostics read DNS; this module never does).
Rules kept (RFC 7208):

- one SPF record per domain: several existing ones are merged into one, and the note says so;
- ``redirect=`` stays; no ``all`` is added next to it (an ``all`` term makes ``redirect=`` ignored);
- the existing ``-all``/``~all`` stays as it was; a new record ends in ``~all``, as Microsoft shows;
- at most 10 DNS-querying terms (``include``, ``a``, ``mx``, ``ptr``, ``exists``, ``redirect=``);
  when the merge goes over, the result says so and which terms to flatten or remove.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

LOOKUP_LIMIT = 10
LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
TXT_STRING_MAX = 255
DEFAULT_ALL = "~all"


@dataclass(frozen=True)
class SpfResult:
    record: str  # the single record to publish
    lookups: int  # DNS-querying terms in ``record`` itself (nested includes not counted)
    added: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    lookups_before: int = 0
    existing_records: int = 0  # how many SPF records were passed in

    @property
    def over_limit(self) -> bool:
        return self.lookups > LOOKUP_LIMIT

    @property
    def changed(self) -> bool:
        return bool(self.added) or self.existing_records != 1

    def txt_strings(self) -> tuple[str, ...]:
        """The record split into DNS character-strings of at most 255 characters each.

        Receivers join them without a separator, so a split may fall anywhere.
        """
        return tuple(self.record[i : i + TXT_STRING_MAX] for i in range(0, len(self.record), TXT_STRING_MAX)) or ("",)

    def zone_value(self) -> str:
        """The TXT strings as a zone file writes them: a quote or backslash inside is escaped (RFC 1035 5.1)."""
        return " ".join('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"' for part in self.txt_strings())

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "txt_strings": list(self.txt_strings()),
            "lookups": self.lookups,
            "lookups_before": self.lookups_before,
            "lookup_limit": LOOKUP_LIMIT,
            "over_limit": self.over_limit,
            "added": list(self.added),
            "notes": list(self.notes),
        }


def unquote(txt: str) -> str:
    """A TXT value as text: ``"v=spf1 a" "mx -all"`` → ``v=spf1 amx -all`` (strings join as-is)."""
    value = txt.strip()
    if not value.startswith('"'):
        return value
    parts: list[str] = []
    current: list[str] = []
    inside = False
    escaped = False
    for char in value:
        if inside:
            if escaped:
                current.append(char)
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                parts.append("".join(current))
                current = []
                inside = False
            else:
                current.append(char)
        elif char == '"':
            inside = True
    return "".join(parts)


def is_spf(txt: str) -> bool:
    value = unquote(txt).strip().lower()
    return value == "v=spf1" or value.startswith("v=spf1 ")


def term_name(term: str) -> str:
    """``-include:x`` → ``include``; ``a/24`` → ``a``; ``redirect=x`` → ``redirect``."""
    bare = term.lstrip("+-~?").lower()
    for index, char in enumerate(bare):
        if char in ":/=":
            return bare[:index]
    return bare


def is_modifier(term: str) -> bool:
    name_end = min((term.find(c) for c in ":/" if c in term), default=len(term))
    return "=" in term[:name_end]


def count_lookups(record: str) -> int:
    """DNS-querying terms in the record (its own; included records add their own lookups)."""
    terms = unquote(record).split()[1:]
    return sum(1 for term in terms if term_name(term) in LOOKUP_MECHANISMS or term_name(term) == "redirect")


def ip_term(address: str) -> str:
    """``203.0.113.7`` → ``ip4:203.0.113.7``; ``2001:db8::/48`` → ``ip6:2001:db8::/48``."""
    network = ipaddress.ip_network(address.strip(), strict=False)
    prefix = "ip4" if network.version == 4 else "ip6"
    single = network.prefixlen == network.max_prefixlen
    return f"{prefix}:{network.network_address}" if single else f"{prefix}:{network}"


def build_spf(
    existing: str | Sequence[str] | None,
    *,
    ips: Sequence[str] = (),
    include: str | None = "spf.protection.outlook.com",
    new_all: str = DEFAULT_ALL,
) -> SpfResult:
    """Merge ``existing`` (one TXT value, all of a domain's TXT values, or None) with ``ips`` and
    ``include:<include>``. Non-SPF TXT values are ignored.

    The phases: find the SPF records, split their terms, add the IPs, add the include, choose the
    ending (``all`` or ``redirect=``), then put the record together and count its lookups.
    """
    notes: list[str] = []
    records = _spf_records(existing, notes)
    terms = _split_terms(records)
    lookups_before = count_lookups(" ".join(["v=spf1", *terms.mechanisms, *terms.modifiers])) if records else 0
    added = _add_ips(terms.mechanisms, ips, notes) + _add_include(terms, include, notes)
    all_term = _ending(terms, new_all, notes, merged=bool(records))
    record = " ".join(["v=spf1", *terms.mechanisms, *([all_term] if all_term else []), *terms.modifiers])
    lookups = count_lookups(record)
    notes.extend(_lookup_notes(lookups, lookups_before, terms.mechanisms + terms.modifiers, include))
    if len(record) > TXT_STRING_MAX:
        notes.append(
            f"The record is {len(record)} characters: publish it as several quoted strings of at "
            "most 255 characters in one TXT record (the zone value shown does that)."
        )
    return SpfResult(
        record=record,
        lookups=lookups,
        added=tuple(added),
        notes=tuple(notes),
        lookups_before=lookups_before,
        existing_records=len(records),
    )


@dataclass
class _Terms:
    """The terms of the records being merged, sorted by kind; the phases change them in place."""

    mechanisms: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    all_terms: list[str] = field(default_factory=list)

    @property
    def redirect(self) -> str | None:
        return next((m for m in self.modifiers if term_name(m) == "redirect"), None)


def _spf_records(existing: str | Sequence[str] | None, notes: list[str]) -> list[str]:
    """The SPF records among the TXT values given; several of them is a note (and get merged)."""
    texts = [existing] if isinstance(existing, str) else list(existing or ())
    records = [unquote(text).strip() for text in texts if text and is_spf(text)]
    if len(records) > 1:
        notes.append(
            f"The domain has {len(records)} SPF records; receivers then fail SPF for every "
            "message (permerror). Publish only the merged record below and delete the others."
        )
    return records


def _split_terms(records: Sequence[str]) -> _Terms:
    """Mechanisms (each once), modifiers (the first of each name) and the ``all`` terms, in order."""
    terms = _Terms()
    for record in records:
        for term in record.split()[1:]:
            if term_name(term) == "all" and not is_modifier(term):
                terms.all_terms.append(term)
            elif is_modifier(term):
                if term_name(term) not in {term_name(m) for m in terms.modifiers}:
                    terms.modifiers.append(term)
            elif term.lower() not in {m.lower() for m in terms.mechanisms}:
                terms.mechanisms.append(term)
    return terms


def _add_ips(mechanisms: list[str], ips: Sequence[str], notes: list[str]) -> list[str]:
    """ip4:/ip6: terms for the addresses not covered yet, placed after the existing ones."""
    new_ip_terms: list[str] = []
    for address in ips:
        try:
            term = ip_term(address)
        except ValueError:
            notes.append(f"'{address}' is not an IP address or range; left out.")
            continue
        covering = _covering_term(term, mechanisms + new_ip_terms)
        if covering is None:
            new_ip_terms.append(term)
        elif covering.lower() != term.lower():
            notes.append(f"{term.split(':', 1)[1]} is already covered by {covering}.")
    if new_ip_terms:
        last_ip = max((i for i, term in enumerate(mechanisms) if term_name(term) in {"ip4", "ip6"}), default=-1)
        mechanisms[last_ip + 1 : last_ip + 1] = new_ip_terms
    return new_ip_terms


def _add_include(terms: _Terms, include: str | None, notes: list[str]) -> list[str]:
    """``include:<include>`` unless the record has it, or redirects to it, already."""
    if not include:
        return []
    include_term = f"include:{include}"
    present = any(term_name(m) == "include" and m.split(":", 1)[1].lower() == include.lower() for m in terms.mechanisms)
    redirect_target = terms.redirect.split("=", 1)[1].lower() if terms.redirect else ""
    if present or redirect_target == include.lower():
        return []
    terms.mechanisms.append(include_term)
    if redirect_target:
        notes.append(
            f"If {redirect_target} already includes {include}, leave {include_term} out "
            "here: it would cost a second lookup for the same servers."
        )
    return [include_term]


def _ending(terms: _Terms, new_all: str, notes: list[str], *, merged: bool) -> str | None:
    """The record's ``all`` term (None when ``redirect=`` ends it), with what to know about it."""
    redirect = terms.redirect
    all_term = _chosen_all(terms.all_terms, notes)
    if all_term is None and redirect is None:
        all_term = new_all
        if merged:
            notes.append(f"The existing record had neither an all term nor redirect=; {new_all} was added.")
    elif redirect is not None and all_term is None:
        notes.append(
            f"{redirect} is kept: the rest of the policy, and its all term, come from there. No all "
            "term is added, because an all term would make receivers ignore redirect=."
        )
    elif redirect is not None and all_term is not None:
        notes.append(f"{redirect} has no effect next to {all_term} (RFC 7208 §6.1); remove one of them.")
    if all_term and all_term.lstrip("+").lower() == "all":
        notes.append(f"'{all_term}' lets any server on the internet send as this domain; use ~all or -all.")
    elif all_term and all_term.lower() == "?all":
        notes.append("'?all' is neutral: receivers give failing mail no penalty; prefer ~all or -all.")
    return all_term


def _covering_term(term: str, mechanisms: Sequence[str]) -> str | None:
    """The existing ip4:/ip6: term that already includes ``term``'s addresses, if any."""
    new = ipaddress.ip_network(term.split(":", 1)[1], strict=False)
    for existing in mechanisms:
        if term_name(existing) not in {"ip4", "ip6"} or existing.startswith(("-", "~", "?")):
            continue
        try:
            network = ipaddress.ip_network(existing.lstrip("+").split(":", 1)[1], strict=False)
        except ValueError:
            continue
        if network.version == new.version and new.subnet_of(network):  # type: ignore[arg-type]
            return existing
    return None


def _chosen_all(all_terms: list[str], notes: list[str]) -> str | None:
    if not all_terms:
        return None
    distinct = list(dict.fromkeys(term.lower() for term in all_terms))
    if len(distinct) > 1:
        notes.append(f"The records end differently ({', '.join(distinct)}); the first one, {all_terms[0]}, is kept.")
    return all_terms[0]


def _lookup_notes(lookups: int, before: int, terms: Sequence[str], our_include: str | None) -> list[str]:
    if lookups < LOOKUP_LIMIT:
        return []
    if lookups == LOOKUP_LIMIT:
        return [
            f"The record uses {lookups} of the {LOOKUP_LIMIT} DNS lookups SPF allows. Lookups inside "
            "included records count too; the spf.record check follows them and tells you the real total."
        ]
    own = (f"include:{our_include}".lower(),) if our_include else ()
    candidates = [
        term
        for term in terms
        if (term_name(term) in LOOKUP_MECHANISMS or term_name(term) == "redirect") and term.lower() not in own
    ]
    advice = [
        f"The record needs {lookups} DNS lookups, over SPF's limit of {LOOKUP_LIMIT} (it had {before} "
        "before): receivers answer permerror and SPF fails for every message of the domain. Do not "
        "publish it as is."
    ]
    ptr_terms = [term for term in candidates if term_name(term) == "ptr"]
    if ptr_terms:
        advice.append(f"Remove {', '.join(ptr_terms)}: ptr is deprecated (RFC 7208 §5.5) and costs a lookup.")
    advice.append(
        "Flatten or remove: replace include:, a and mx terms of senders you control by their "
        "ip4:/ip6: ranges, and drop includes of services no longer used. Candidates: "
        + ", ".join(term for term in candidates if term not in ptr_terms)
        + "."
    )
    return advice
