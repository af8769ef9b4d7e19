"""Arbitrary Unicode in every query parameter and form field the pages read: never a 500, and whatever
is stored keeps every page working (a client saved as ``١٠٠`` made the systems list and the helpdesk
answer 500 for everyone; ``test-send/?run=²`` was a 500 of its own)."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from diagnostics.models import DiagnosticRun
from portal.models import MailSetup, SapSystem
from tests.support.strategies import PAGES, unicode_text

pytestmark = pytest.mark.django_db

# Every parameter each page reads (request.GET, and the forms' fields), with a valid value or two
# that the strategy also mutates one character at a time.
QUERY_PARAMETERS = {
    "/": {"q": ["PRD", "contoso"], "option": ["oauth2", "none"], "role": ["PRD"], "health": ["red", "green"],
          "zone": ["dmz"], "page": ["1", "2"]},
    "/helpdesk/": {"q": ["PRD", "Production"]},
    "/explain/": {"text": ["535 5.7.139 Authentication unsuccessful", "AADSTS7000222", "XS 802"]},
    "/advisor/": {"system": ["PRD/100"], "product": ["ecc", "s4_onprem"], "basis_release": ["7.50", "816"],
                  "external_recipients": ["yes"], "static_public_ip": ["no"], "outbound_587": ["yes"],
                  "outbound_25": ["no"], "tls12": ["yes"], "messages_per_day": ["100"], "messages_per_minute": ["5"]},
    "/systems/PRD/100/test-send/": {"run": ["1", "2"]},
    "/systems/PRD/100/configuration/": {"option": ["oauth2", "relay_server"], "smtp_port": ["587"],
                                        "secret_expires": ["2027-03-31"], "tenant": ["contoso.onmicrosoft.com"],
                                        "egress_ips": ["203.0.113.5"], "smtp_host": ["smtp.office365.com"]},
}  # fmt: skip
FORMS = {
    "/systems/new/": {"sid": ["ERP", "erp"], "client": ["100", "1"], "description": ["ERP"], "role": ["PRD"],
                      "product": ["ecc"], "basis_release": ["7.58", "75"], "zone": ["dmz"], "owner": ["Basis"],
                      "contact_email": ["basis@contoso.com"]},
    "/systems/PRD/100/edit/": {"description": ["ERP"], "role": ["QAS"], "product": ["ecc"], "basis_release": ["816"],
                               "zone": ["site-b"], "owner": ["Basis"], "contact_email": ["basis@contoso.com"]},
    "/systems/PRD/100/configuration/": {"option": ["relay_server"], "smtp_host": ["relay.contoso.com"],
                                        "smtp_port": ["25", "2525"], "sender": ["sap@contoso.com"],
                                        "tls": ["opportunistic"], "egress_ips": ["203.0.113.5"],
                                        "test_recipient": ["it@contoso.com"], "cloud": ["global"]},
    "/systems/PRD/100/configuration/check/": {"option": ["oauth2"], "tenant": ["contoso.onmicrosoft.com"],
                                              "client_id": ["11111111-2222-3333-4444-555555555555"],
                                              "secret_expires": ["2027-03-31"], "smtp_port": ["587"]},
    "/systems/PRD/100/test-send/": {"recipient": ["it@contoso.com"], "subject": ["Test"]},
    "/systems/PRD/100/advisor/apply/": {"option": ["oauth2"], "credential": ["secret", "certificate"]},
}  # fmt: skip
LINKS_TO_EVERY_SYSTEM = ["/", "/helpdesk/", "/dashboard/", "/dashboard/export.csv"]


REQUIRED = {"sid", "client", "option", "recipient"}  # drawn every time: without them a form never saves


def _values(parameters: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str]]:
    strategies = {name: unicode_text(valid) for name, valid in parameters.items()}
    return st.fixed_dictionaries(
        {name: strategy for name, strategy in strategies.items() if name in REQUIRED},
        optional={name: strategy for name, strategy in strategies.items() if name not in REQUIRED},
    )


def _every_system_can_be_linked() -> None:
    for system in SapSystem.objects.all():
        assert re.fullmatch(r"[A-Z][A-Z0-9]{2}", system.sid) and re.fullmatch(r"[0-9]{3}", system.client), system
    for setup in MailSetup.objects.all():
        assert setup.smtp_port is None or 0 < setup.smtp_port < 65536
        assert all(text.isascii() for text in (setup.smtp_host, setup.sender, setup.tenant, setup.test_recipient))


@pytest.fixture
def signed_in(client, basis_admin, prd):
    client.force_login(basis_admin)
    DiagnosticRun.objects.create(system=prd, option="oauth2", trigger="web", state="done", verdict="passed")
    return client


@pytest.mark.parametrize("url", QUERY_PARAMETERS)
def test_property_no_query_parameter_makes_a_page_fail(signed_in, url):
    @PAGES
    @given(_values(QUERY_PARAMETERS[url]))
    def property_holds(params):
        for headers in ({}, {"HX-Request": "true"}):
            response = signed_in.get(url, params, headers=headers)
            assert response.status_code in (200, 404), (response.status_code, params)

    property_holds()


@pytest.mark.parametrize("url", FORMS)
def test_property_no_form_value_makes_a_page_fail_and_what_is_stored_keeps_every_page_working(signed_in, url):
    @PAGES
    @given(_values(FORMS[url]))
    def property_holds(data):
        with transaction.atomic():
            response = signed_in.post(url, data)
            assert response.status_code in (200, 302), (response.status_code, data)
            if response.status_code == 302:
                _every_system_can_be_linked()
                for page in LINKS_TO_EVERY_SYSTEM:
                    assert signed_in.get(page).status_code == 200, page
            transaction.set_rollback(True)

    property_holds()


@pytest.mark.parametrize("client_typed", ["١٠٠", "１００", "۱۰۰"])
def test_a_client_in_other_digits_is_refused_by_the_form_and_the_pages_keep_working(signed_in, client_typed):
    response = signed_in.post("/systems/new/", {"sid": "ERP", "client": client_typed})
    assert response.status_code == 200
    assert "three digits 0-9" in response.content.decode()
    assert not SapSystem.objects.filter(sid="ERP").exists()
    assert signed_in.get("/").status_code == 200
    assert signed_in.get("/helpdesk/").status_code == 200


@pytest.mark.parametrize("run", ["²", "١", "１", "1_0", "9" * 40])
def test_a_run_number_that_is_not_ascii_digits_shows_the_form(signed_in, run):
    assert signed_in.get("/systems/PRD/100/test-send/", {"run": run}).status_code == 200


def test_a_port_in_full_width_digits_is_refused_with_the_reason(signed_in):
    data = {
        "option": "relay_server",
        "smtp_host": "relay.contoso.com",
        "sender": "sap@contoso.com",
        "smtp_port": "２５",
    }
    response = signed_in.post("/systems/PRD/100/configuration/", data)
    assert response.status_code == 200
    assert "digits 0-9" in response.content.decode()
    assert MailSetup.objects.get().option == "oauth2"


def test_the_advisor_does_not_read_a_sid_whose_upper_case_is_another_sid(signed_in):
    SapSystem.objects.create(sid="SSA", client="100")
    assert "Which connection option fits SSA/100?" in signed_in.get("/advisor/?system=SSA/100").content.decode()
    page = signed_in.get("/advisor/", {"system": "ßa/100"}).content.decode()  # "ßa".upper() == "SSA"
    assert "SSA/100" not in page


def test_the_command_line_look_up_refuses_a_sid_that_is_not_ascii(signed_in):
    from portal.lookup import SystemNotFound, system_by_sid

    SapSystem.objects.create(sid="SSA", client="100")
    assert system_by_sid("ssa").sid == "SSA"
    with pytest.raises(SystemNotFound, match="letters A-Z and digits 0-9"):
        system_by_sid("ßa")
    with pytest.raises(SystemNotFound):
        system_by_sid("PRD", "١٠٠")
