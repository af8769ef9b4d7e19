"""A Basis admin's day, in Chromium: sign in, add a system, set it up, run checks, read the steps, send a test mail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from diagnostics.models import DiagnosticRun
from portal.models import AuditEvent, MailSetup
from tests.support.browser import TABLET, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_run_checks_and_watch_the_progress_to_the_end(page, basis_admin, demo_systems, runs_in_threads):
    sign_in(page, "basis")
    expect(page.get_by_role("link", name="PRD/100")).to_be_visible()
    shoot(page, "01-systems-list")
    page.get_by_role("link", name="PRD/100").click()
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Run checks").click()
    expect(page.locator("#run-status")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#run-status .verdict")).to_have_text(re.compile("passed|warning"), timeout=30_000)
    expect(page.locator("#run-status")).to_have_attribute("aria-busy", "false")
    assert page.evaluate("window.notReloaded") is True  # progress came in through HTMX, not a page load
    assert page.url.endswith("/systems/PRD/100/")
    run = DiagnosticRun.objects.get()
    assert run.state == "done"
    assert page.locator("#run-status .check").count() == len(run.planned_checks)
    shoot(page, "02-run-finished")


def test_a_failing_check_shows_its_code_and_remedy(page, helpdesk, demo_systems, runs_in_threads):
    sign_in(page, "helpdesk")
    page.goto("/systems/QAS/200/")
    page.get_by_role("button", name="Run checks").click()
    failing = page.locator("#run-status .check-fail").first
    expect(failing).to_contain_text("AADSTS7000222", timeout=30_000)
    expect(failing.locator(".remedy")).to_be_visible()
    expect(page.locator("#health-line")).to_contain_text("Red")  # the header followed the verdict, no reload
    failing.locator("summary").click()
    expect(failing.locator("details")).to_have_attribute("open", "")
    shoot(page, "03-failing-check-remedy")


def test_add_a_system_and_set_up_its_mail_through_the_forms(page, basis_admin):
    sign_in(page, "basis")
    page.get_by_role("link", name="Add a system").click()
    page.get_by_label("SID").fill("SAP")
    page.get_by_role("button", name="Add the system").click()
    expect(page.locator(".has-error").first).to_be_visible()  # SAP is reserved: the form says so
    page.get_by_label("SID").fill("NEW")
    page.get_by_label("Client").fill("100")
    page.get_by_label("Description").fill("New S/4HANA production")
    page.get_by_label("Landscape role").select_option("PRD")
    page.get_by_label("SAP_BASIS release").fill("7.58")
    shoot(page, "04-add-system")
    page.get_by_role("button", name="Add the system").click()
    page.wait_for_url("**/systems/NEW/100/configuration/")
    expect(page.get_by_label("Tenant")).to_be_visible()
    page.get_by_label("Connection option").select_option("relay_connector")
    expect(page.get_by_label("Connector name")).to_be_visible()
    expect(page.get_by_label("Tenant")).to_have_count(0)
    page.get_by_label("Connection option").select_option("oauth2")
    expect(page.get_by_label("Tenant")).to_be_visible()
    page.get_by_label("Tenant").fill("contoso.onmicrosoft.com")
    page.get_by_label("Client ID").fill("not-a-guid")
    page.get_by_label("Client ID").blur()
    expect(page.locator("#setup-problems")).to_contain_text("Client ID (must be corrected)")  # checked as typed
    shoot(page, "05a-configuration-checked-as-typed", full_page=False)
    page.get_by_label("Client ID").fill("11111111-2222-3333-4444-555555555555")
    page.get_by_label("Client ID").blur()
    expect(page.locator("#setup-problems")).not_to_contain_text("must be corrected")
    page.get_by_label("Mailbox").fill("sap-new@contoso.com")
    page.get_by_label("Set the client secret").check()
    page.get_by_label("New client secret").fill("s3cret-value")
    page.get_by_role("button", name="Save the setup").click()
    expect(page.get_by_text("Mail setup saved.")).to_be_visible()
    expect(page.get_by_text("A client secret is stored")).to_be_visible()
    assert "s3cret-value" not in page.content()
    shoot(page, "05-configuration-saved")
    setup = MailSetup.objects.get(system__sid="NEW")
    assert setup.client_secret.reveal() == "s3cret-value"
    assert AuditEvent.objects.filter(action="mail_setup.created").get().changes["client_secret"] == "set"


def test_open_the_steps_and_copy_a_command(page, basis_admin, demo_systems):
    sign_in(page, "basis")
    page.goto("/systems/PRD/100/steps/")
    command = page.locator(".command").first
    expected = command.locator("pre").inner_text()
    command.get_by_role("button", name=re.compile("Copy")).click()
    expect(command.get_by_role("button", name=re.compile("Cop"))).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == expected
    shoot(page, "06-steps", full_page=False)
    page.emulate_media(media="print")
    expect(page.locator(".tabs")).to_be_hidden()
    expect(page.locator("button.copy").first).to_be_hidden()
    shoot(page, "06b-steps-print", full_page=False)
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download Markdown").click()
    assert download.value.suggested_filename == "PRD-100-mail-steps.md"


def test_send_a_test_mail_and_read_the_transcript(page, basis_admin, demo_systems, runs_in_threads):
    sign_in(page, "basis")
    page.goto("/systems/PRD/100/")
    page.get_by_role("link", name="Test send").click()
    page.get_by_label("Recipient").fill("it-ops@good.lab.test")
    page.get_by_role("button", name="Send the test message").click()
    expect(page.locator("#run-status .verdict")).to_have_text(re.compile("passed|warning"), timeout=30_000)
    expect(page.locator(".transcript")).to_contain_text("250")
    assert "lab-" not in page.locator(".transcript").inner_text()  # no secret in the transcript
    shoot(page, "07-test-send")


def test_the_pages_fit_a_tablet(page, basis_admin, demo_systems):
    page.set_viewport_size(TABLET)
    sign_in(page, "basis")
    shoot(page, "08-tablet-systems-list")
    for name, url in [("09-tablet-configuration", "/systems/QAS/200/configuration/"), ("09b-tablet-dashboard", "/dashboard/"),
                      ("09c-tablet-steps", "/systems/QAS/200/steps/"), ("09d-tablet-health", "/systems/QAS/200/")]:  # fmt: skip
        page.goto(url)
        shoot(page, name, full_page=False)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url


def test_the_advisor_recommends_an_option_and_applies_it(page, basis_admin, demo_systems):
    sign_in(page, "basis")
    page.goto("/systems/DEV/300/configuration/")
    page.get_by_role("link", name="Ask the advisor").click()
    expect(page.get_by_label("SAP_BASIS release")).to_have_value("7.40")
    page.get_by_role("group", name="Does SAP mail people outside your organisation?").get_by_label("No").check()
    page.get_by_role("button", name="Recommend an option").click()
    recommended = page.locator(".recommended .big-option")
    expect(recommended).not_to_have_text("SMTP OAuth 2.0")
    shoot(page, "12-advisor")
    page.get_by_role("button", name="Use ").click()
    page.wait_for_url("**/systems/DEV/300/configuration/")
    expect(page.get_by_text("now uses")).to_be_visible()
