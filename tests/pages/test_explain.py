"""The error lookup page (/explain/): a form that works without JavaScript, the catalogue's answer, and
the systems whose last run shows the same fault."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db


def _lookup(client, text: str) -> str:
    return client.get("/explain/?" + urlencode({"text": text})).content.decode()


def test_the_lookup_is_in_the_navigation_for_the_helpdesk_and_basis_admins(client, helpdesk, basis_admin):
    for user in (helpdesk, basis_admin):
        client.force_login(user)
        assert 'href="/explain/"' in client.get("/").content.decode()


def test_an_outsider_may_not_use_it(client, outsider):
    client.force_login(outsider)
    assert client.get("/explain/").status_code == 403


def test_the_empty_form_is_a_plain_get_form_with_one_textarea(client, helpdesk):
    client.force_login(helpdesk)
    page = client.get("/explain/").content.decode()
    assert 'method="get" action="/explain/"' in page
    assert page.count("<textarea") == 1 and 'name="text"' in page


def test_a_pasted_reply_gets_meaning_cause_fix_and_the_systems_whose_last_run_shows_it(client, helpdesk):
    prd = make_system("PRD", "100", option="relay_connector")
    finished_run(prd, "failed", key="smtp.envelope", code="5.7.64", summary="RCPT TO refused")
    qas = make_system("QAS", "200", option="relay_connector")
    finished_run(qas, "failed", key="smtp.envelope", code="5.7.64", summary="RCPT TO refused")
    finished_run(qas, "passed", key="smtp.envelope", code="")  # fixed since: its last run is clean
    client.force_login(helpdesk)
    page = _lookup(client, "550 5.7.64 TenantAttribution; Relay Access Denied [AM4PEPF00027A5F.outlook.com]")
    assert "Relay access denied" in page and "accepted" in page
    assert 'href="/systems/PRD/100/"' in page
    assert 'href="/systems/QAS/200/"' not in page


def test_an_icm_trace_line_lists_systems_by_the_check_code_for_the_same_fault(client, helpdesk):
    relay = make_system("DEV", "300", option="relay_server")
    finished_run(relay, "failed", key="tls.certificate", code="tls.chain_incomplete", summary="no intermediate")
    client.force_login(helpdesk)
    page = _lookup(client, "SSL handshake with relay.corp.local:25 failed: SSSLERR_PEER_CERT_UNTRUSTED (-102)")
    assert "SSSLERR_PEER_CERT_UNTRUSTED" in page and 'href="/systems/DEV/300/"' in page


def test_text_that_matches_nothing_says_so_and_a_too_long_text_is_refused_by_the_form(client, helpdesk):
    client.force_login(helpdesk)
    assert "Nothing in the text matches the catalogue" in _lookup(client, "the printer is out of paper")
    response = client.get("/explain/?" + urlencode({"text": "x" * 9000}))
    assert response.status_code == 200 and "at most 8000 characters" in response.content.decode()


def test_each_answer_also_says_in_plain_words_what_happens_and_who_fixes_it(client, helpdesk):
    client.force_login(helpdesk)
    page = _lookup(client, "Message no. XS806: No delivery to ap@fabrikam.com, invalid recipient address")
    assert "<strong>In plain words:</strong> A mail server on the way refused the recipient&#x27;s address" in page
    assert "<strong>Who fixes it:</strong> the SAP Basis team." in page
