"""Every code and every check has reviewed plain words for the helpdesk and says who fixes it."""

from __future__ import annotations

from diagnostics.catalogue import check_term, entries, entry_of
from diagnostics.catalogue.check_terms import CHECK_TERMS
from diagnostics.catalogue.fixers import FIXERS, M365_ADMINS, SAP_BASIS
from diagnostics.registry import CHECKS

JARGON = ("AADSTS", "SMTP", "XOAUTH", "STARTTLS", "OA2C", "SCOT", "STRUST", "MX ", "DNS", "NXDOMAIN")


def test_every_code_in_the_catalogue_has_a_plain_sentence_and_who_fixes_it():
    missing = sorted({entry.code for entry in entries() if not entry.plain.strip()})
    unowned = sorted({entry.code for entry in entries() if entry.fixed_by not in FIXERS})
    assert not missing, "catalogue codes without a plain sentence (Entry.plain): " + ", ".join(missing)
    assert not unowned, "catalogue codes without who fixes them (Entry.fixed_by from fixers.FIXERS): " + ", ".join(
        unowned
    )


def test_every_registered_check_has_a_short_name_a_definition_a_plain_sentence_and_who_fixes_it():
    missing = sorted(key for key in CHECKS if key not in CHECK_TERMS)
    assert not missing, "check keys without a term in diagnostics/catalogue/check_terms.py: " + ", ".join(missing)
    incomplete = sorted(
        key
        for key, term in CHECK_TERMS.items()
        if not (term.name and term.definition and term.plain and term.fixed_by in FIXERS)
    )
    assert not incomplete, "check terms with an empty field or an unknown fixer: " + ", ".join(incomplete)


def test_plain_sentences_speak_to_a_non_specialist():
    """Full sentences without the codes and protocol names the technical text is full of."""
    texts = [(entry.code, entry.plain) for entry in entries()] + [(k, t.plain) for k, t in CHECK_TERMS.items()]
    for name, text in texts:
        assert text[:1].isupper() and text.endswith("."), (name, text)
        assert not any(word in text for word in JARGON), (name, text)


def test_a_stored_result_finds_its_variant_by_the_start_of_its_explanation():
    tenant = entry_of("5.7.139", "SMTP AUTH is disabled for the whole tenant. Set-TransportConfig …")
    assert tenant is not None and "whole company" in tenant.plain
    assert entry_of("5.7.139", "something else").meaning == "Authentication unsuccessful (5.7.139)."
    assert entry_of("AADSTS7000222").fixed_by == SAP_BASIS
    assert entry_of("AADSTS9999999").plain == entry_of("AADSTS").plain  # Entra's other codes
    assert entry_of("5.7.620").code == "5.7.606-649"
    assert entry_of("not-a-code") is None and entry_of("") is None


def test_a_check_key_has_its_definition():
    assert check_term("tls.starttls").definition == "STARTTLS: the command that turns the connection encrypted."
    assert check_term("smtp.auth").fixed_by == M365_ADMINS
    assert check_term("no.such_check") is None
