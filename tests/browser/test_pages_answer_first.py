"""Issue 12 in Chromium: every page leads with its user's question, at 1366 px and on a 390 px phone.

Screenshots of this file land in ``test-artifacts/screenshots/pages/`` (the "after" set).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from diagnostics.models import DiagnosticRun
from portal.models import SapSystem
from portal.runs import create_run, execute_run
from tests.support.browser import LAPTOP, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FAILING = [("QAS", "200"), ("DEV", "300"), ("BWP", "100")]
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
WIDEST = """[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _settled(page, selector: str) -> None:
    """htmx swaps new content in at once but wires its triggers only when it settles (a timer later):
    a change made in between would go unheard, by a test far faster than any person."""
    expect(page.locator(selector)).not_to_have_class(re.compile(r"\bhtmx-(added|settling)\b"))


def _diagnose(*systems: tuple[str, str]) -> None:
    """Finished runs for these demo systems, made here rather than through the pages."""
    for sid, client in systems:
        run = create_run(SapSystem.objects.get(sid=sid, client=client), trigger=DiagnosticRun.Trigger.SCHEDULE)
        execute_run(run.pk)


@pytest.fixture
def diagnosed(demo_systems) -> None:
    _diagnose(*FAILING, ("PRD", "100"), ("SBX", "400"))


def test_the_health_tab_opens_with_what_fails_and_folds_what_passes(page, basis_admin, diagnosed):
    sign_in(page, "basis")
    page.goto("/systems/QAS/200/")
    expect(page.locator("#health-line")).to_contain_text("because Token: AADSTS7000222 The client secret has expired")
    checks = page.locator("#run-status .check")
    first = checks.first
    expect(first).to_have_class(re.compile("check-fail"))
    expect(first).to_contain_text("AADSTS7000222")
    expect(first.locator(".remedy")).to_be_visible()
    top_of_first_failure = first.bounding_box()["y"]
    assert top_of_first_failure < 900  # on the first screen, not row 8 of 15
    folded = page.locator("#run-status .folded-checks")
    expect(folded.locator("> summary")).to_have_text(re.compile(r"^\d+ checks passed, \d+ skipped$"))
    expect(folded.locator(".check-pass").first).to_be_hidden()
    shoot(page, "pages/health-tab-qas-1366", full_page=False)
    folded.locator("> summary").click()
    expect(folded.locator(".check-pass").first).to_be_visible()


def test_a_check_key_explains_itself_on_hover_and_on_focus(page, basis_admin, diagnosed):
    sign_in(page, "basis")
    page.goto("/systems/QAS/200/")
    word = page.locator("#check-oauthtoken .term-word").first
    tip = page.locator("#check-oauthtoken .tip").first
    expect(tip).to_be_hidden()
    word.hover()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("OAuth token: a short-lived pass")
    page.mouse.move(0, 0)
    word.focus()
    expect(tip).to_be_visible()
    expect(word).to_have_attribute("aria-describedby", "tip-oauth.token")
    shoot(page, "pages/jargon-tooltip", full_page=False)
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()  # dismissible without moving focus (WCAG 1.4.13)


def test_the_list_says_why_with_the_most_urgent_first(page, basis_admin, diagnosed):
    sign_in(page, "basis")
    rows = page.locator(".system-table tbody tr")
    expect(rows.first.locator(".badge")).to_contain_text("Red")
    qas = page.locator("tr", has=page.get_by_role("link", name="QAS/200", exact=True))
    expect(qas.locator(".col-why")).to_have_text("Token: AADSTS7000222 The client secret has expired")
    reds = rows.filter(has=page.locator(".badge-red")).locator(".col-system").all_inner_texts()
    assert reds == ["BWP/100", "QAS/200", "DEV/300"]  # production first, then quality assurance, then development
    expect(rows.nth(3).locator(".badge")).to_contain_text("Amber")
    shoot(page, "pages/systems-list-1366")
    page.get_by_role("link", name="SAP_BASIS").click()
    expect(page.locator("th[aria-sort='ascending']")).to_have_text(re.compile("SAP_BASIS"))
    first_release = page.locator(".system-table tbody tr .col-release").first
    expect(first_release).to_have_text("7.02")


def test_the_configuration_form_shows_the_credential_s_fields_and_errors_at_the_field(page, basis_admin, demo_systems):
    sign_in(page, "basis")
    page.goto("/systems/PRD/100/configuration/")
    expect(page.get_by_label("Connection option")).to_have_value("oauth2")
    expect(page.get_by_label("New client secret")).to_be_attached()
    expect(page.get_by_label("Certificate thumbprint")).to_have_count(0)
    page.get_by_label("Credential").focus()
    page.get_by_label("Credential").select_option("certificate")
    expect(page.get_by_label("Certificate thumbprint")).to_be_visible()
    expect(page.get_by_label("New client secret")).to_have_count(0)
    expect(page.get_by_label("Credential")).to_be_focused()  # the swap kept the place
    _settled(page, "#setup-fields")
    page.get_by_label("Credential").select_option("secret")
    expect(page.get_by_label("Secret expires")).to_be_visible()
    page.get_by_label("Client ID").fill("not-a-guid")
    page.get_by_label("Client ID").blur()
    at_field = page.locator("#id_client_id_check")
    expect(at_field).to_contain_text("Must be corrected")
    expect(page.get_by_label("Client ID")).to_have_attribute("aria-describedby", re.compile(r"\bid_client_id_check\b"))
    expect(page.locator("#setup-problems")).to_contain_text("Client ID (must be corrected)")
    shoot(page, "pages/configuration-1366", full_page=False)
    page.get_by_label("Client ID").fill("a11ce000-0000-4000-8000-000000000001")
    page.get_by_label("Client ID").blur()
    expect(at_field).to_be_empty()


def test_the_option_list_keeps_a_basic_auth_system_on_basic_auth(page, basis_admin, demo_systems):
    sign_in(page, "basis")
    page.goto("/systems/DEV/300/configuration/")
    expect(page.get_by_label("Connection option")).to_have_value("smtp_basic")
    expect(page.get_by_text("A password is stored")).to_be_visible()
    page.get_by_role("button", name="Save the setup").click()
    expect(page.get_by_text("Mail setup saved.")).to_be_visible()
    assert SapSystem.objects.get(sid="DEV", client="300").mail_setup.option == "smtp_basic"


def test_the_object_id_placeholder_leads_to_its_field_and_the_field_saves_it(page, basis_admin, demo_systems):
    SapSystem.objects.get(sid="PRD", client="100").mail_setup.__class__.objects.filter(system__sid="PRD").update(
        service_principal_id=""
    )
    sign_in(page, "basis")
    page.goto("/systems/PRD/100/steps/")
    command = page.locator("pre[id^=cmd-]", has_text="New-ServicePrincipal")
    placeholder = command.locator("a.placeholder", has_text="service_principal_id")
    expect(placeholder).to_be_visible()
    placeholder.click()
    page.wait_for_url("**/systems/PRD/100/configuration/#id_service_principal_id")
    field = page.get_by_label("Enterprise application Object ID")
    expect(field).to_be_focused()
    field.fill("0b0b0b0b-1111-4222-8333-444444444444")
    page.get_by_role("button", name="Save the setup").click()
    expect(page.get_by_text("Mail setup saved.")).to_be_visible()
    page.goto("/systems/PRD/100/steps/")
    expect(page.locator("pre[id^=cmd-]", has_text="New-ServicePrincipal")).to_contain_text(
        "0b0b0b0b-1111-4222-8333-444444444444"
    )


def test_the_steps_have_contents_by_place_folding_sections_and_script_downloads(page, basis_admin, demo_systems):
    sign_in(page, "basis")
    page.goto("/systems/QAS/200/steps/")
    toc = page.get_by_role("navigation", name="Steps by place")
    expect(toc).to_be_visible()
    # A place visited more than once (the guide's order matters) is listed each time, with its step numbers.
    places = toc.get_by_role("link", name="Exchange Online PowerShell")
    expect(places.first).to_be_visible()
    expect(page.locator("details.where")).to_have_count(toc.locator('a[href^="#where-"]').count())
    shoot(page, "pages/steps-1366", full_page=False)
    page.mouse.wheel(0, 2500)
    expect(toc).to_be_in_viewport()  # sticky: it stays in view
    toc.locator('a[href="#script-setup"]').click()
    script = page.locator("#script-setup")
    with page.expect_download() as download:
        script.get_by_role("link", name=re.compile(r"Download .*\.ps1")).click()
    assert download.value.suggested_filename == "setup-smtp-oauth-qas-200.ps1"
    script.get_by_role("button", name=re.compile("Copy the script")).click()
    assert "New-ServicePrincipal" in page.evaluate("navigator.clipboard.readText()")
    first_section = page.locator("details.where").first
    first_section.locator("summary").click()
    expect(first_section.locator(".step").first).to_be_hidden()


def test_the_helpdesk_lands_on_its_cards_reads_plain_words_and_copies_a_ticket(page, helpdesk, diagnosed):
    sign_in(page, "helpdesk")
    assert page.url.endswith("/helpdesk/")
    cards = page.locator(".health-card")
    expect(cards.first).to_have_class(re.compile("health-red"))
    qas = page.locator("#card-QAS-200")
    expect(qas).to_contain_text("Mail from QAS/200 is not being sent")
    expect(qas.locator(".plain")).to_have_text(
        "The password the SAP system uses to sign in to Microsoft 365 (its client secret) has expired."
    )
    expect(qas).to_contain_text("The SAP Basis team")
    expect(qas.locator("details.technical .remedy")).to_be_hidden()  # one click away
    shoot(page, "pages/helpdesk-1366", full_page=False)
    qas.get_by_role("button", name="Copy ticket text").click()
    expect(qas.get_by_role("button", name=re.compile("Cop"))).to_have_text("Copied")
    ticket = page.evaluate("navigator.clipboard.readText()")
    assert ticket.startswith("Mail from QAS/200 is not being sent (S/4HANA quality assurance).")
    assert "Check: Token (oauth.token), code AADSTS7000222" in ticket and "Who fixes it: the SAP Basis team" in ticket
    assert re.search(r"^Since: \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d$", ticket, re.M)
    assert ticket.rstrip().endswith("/systems/QAS/200/") and "Link: http://" in ticket
    qas.locator("details.ticket summary").click()
    shoot(page, "pages/helpdesk-card-ticket", full_page=False)


def test_without_a_clipboard_the_ticket_text_shows_selected(chromium, live_server, helpdesk, diagnosed):
    context = chromium.new_context(viewport=LAPTOP, base_url=live_server.url)  # no clipboard permission
    page = context.new_page()
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    sign_in(page, "helpdesk")
    qas = page.locator("#card-QAS-200")
    qas.get_by_role("button", name="Copy ticket text").click()
    area = qas.locator("textarea")
    expect(area).to_be_visible()
    expect(area).to_be_focused()
    assert page.evaluate("document.activeElement.selectionEnd") == len(area.input_value())
    expect(qas.get_by_role("button", name=re.compile("Ctrl"))).to_be_visible()
    context.close()


def test_run_checks_again_swaps_the_new_verdict_into_the_card(page, helpdesk, diagnosed, runs_in_threads):
    sign_in(page, "helpdesk")
    page.evaluate("window.notReloaded = true")
    qas = page.locator("#card-QAS-200")
    qas.get_by_role("button", name="Run checks again").click()
    expect(qas.get_by_role("status")).to_contain_text("Checking now")
    expect(qas).to_have_attribute("aria-busy", "false", timeout=30_000)
    expect(qas).to_contain_text("Mail from QAS/200 is not being sent")
    assert page.evaluate("window.notReloaded") is True
    assert DiagnosticRun.objects.filter(system__sid="QAS", trigger="web").get().state == "done"


@pytest.mark.parametrize(
    ("name", "url"),
    [("systems-list", "/"), ("health-tab-qas", "/systems/QAS/200/"), ("helpdesk", "/helpdesk/"),
     ("dashboard", "/dashboard/"), ("configuration", "/systems/QAS/200/configuration/"),
     ("steps", "/systems/QAS/200/steps/")],
)  # fmt: skip
def test_a_phone_shows_each_page_without_sideways_scrolling(page, basis_admin, diagnosed, name, url):
    page.set_viewport_size(PHONE)
    sign_in(page, "basis")
    page.goto(url)
    assert page.evaluate(FITS), (url, page.evaluate(WIDEST))
    shoot(page, f"pages/phone-{name}", full_page=False)
    shoot(page, f"pages/phone-{name}-whole", full_page=True)


def test_on_a_phone_the_list_s_cards_keep_health_and_why_and_the_menu_folds(page, basis_admin, diagnosed):
    page.set_viewport_size(PHONE)
    sign_in(page, "basis")
    qas = page.locator("tr", has=page.get_by_role("link", name="QAS/200", exact=True))
    expect(qas.locator(".col-health .badge")).to_be_visible()
    expect(qas.locator(".col-why")).to_be_visible()
    expect(qas.locator(".col-why")).to_contain_text("AADSTS7000222")
    systems_link = page.get_by_role("link", name="Systems", exact=True)
    expect(systems_link).to_be_hidden()
    page.locator(".menu > summary").click()
    expect(systems_link).to_be_visible()
    shoot(page, "pages/phone-menu-open", full_page=False)


def test_on_a_phone_run_checks_is_on_the_first_screen(page, basis_admin, diagnosed):
    page.set_viewport_size(PHONE)
    sign_in(page, "basis")
    page.goto("/systems/QAS/200/")
    button = page.get_by_role("button", name="Run checks")
    expect(button).to_be_in_viewport(ratio=1)
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_without_javascript_the_menu_folds_and_opens_on_a_phone(chromium, live_server, basis_admin, demo_systems):
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "basis")
    systems_link = page.get_by_role("link", name="Systems", exact=True)
    expect(systems_link).to_be_hidden()
    page.locator(".menu > summary").click()
    expect(systems_link).to_be_visible()
    page.set_viewport_size(LAPTOP)
    page.reload()
    expect(systems_link).to_be_visible()  # wide screens show the navigation without a click
    context.close()


def test_the_dashboard_gives_each_failing_system_its_reason_and_options_their_own_colours(page, manager, diagnosed):
    SapSystem.objects.create(sid="NEW", client="100", role="DEV")  # no mail setup: its segment is hatched
    sign_in(page, "manager")
    page.goto("/dashboard/")
    failing = page.locator(".open-table tr", has_text="QAS/200")  # the open systems, each with why it is open
    expect(failing).to_contain_text("Token: AADSTS7000222 The client secret has expired")
    # The colours come from the stylesheet (a class per option): what Chromium paints, not an attribute.
    fills = page.locator("svg.chart rect.segment").evaluate_all("rects => rects.map(r => getComputedStyle(r).fill)")
    health = {"rgb(30, 123, 52)", "rgb(179, 38, 30)", "rgb(138, 90, 0)", "rgb(138, 148, 163)"}  # ok, bad, warn, grey
    assert fills and not health & set(fills), fills
    assert any(fill.startswith("url(") and "#no-setup" in fill for fill in fills)  # not set up: hatched
    shoot(page, "pages/dashboard-1366")
