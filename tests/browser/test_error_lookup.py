"""The helpdesk pastes an error into the lookup, in Chromium: found from the navigation, answered without
JavaScript, readable on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from diagnostics.models import CheckResult, DiagnosticRun
from portal.models import SapSystem
from tests.support.browser import SCREENSHOTS, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TEXT = (
    "Message no. XS806: No delivery to ap@fabrikam.com, invalid recipient address\n"
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM4PEPF00027A5F.eurprd04.prod.outlook.com]"
)


def _failing_system() -> None:
    system = SapSystem.objects.create(sid="ERP", client="100", description="Invoices")
    run = DiagnosticRun.objects.create(system=system, option="relay_connector", state="done", verdict="failed")
    CheckResult.objects.create(run=run, key="smtp.envelope", status="fail", code="5.7.64", summary="RCPT refused")


def test_the_helpdesk_pastes_a_sost_text_and_reads_cause_fix_and_the_affected_system(page, helpdesk):
    _failing_system()
    sign_in(page, "helpdesk")
    page.get_by_role("link", name="Error lookup").click()
    page.get_by_label("Error text").fill(TEXT)
    page.get_by_role("button", name="Look it up").click()
    entries = page.locator(".explain-entry")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("XS806")
    expect(entries.nth(1)).to_contain_text("accepted")
    expect(entries.nth(1).get_by_role("link", name="ERP/100")).to_be_visible()
    (SCREENSHOTS / "guides").mkdir(parents=True, exist_ok=True)
    shoot(page, "guides/explain-1366")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "guides/explain-390")


def test_the_lookup_works_without_javascript(chromium, live_server, helpdesk):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "helpdesk")
    page.goto("/explain/")
    page.get_by_label("Error text").fill("AADSTS7000215: Invalid client secret provided.")
    page.get_by_role("button", name="Look it up").click()
    expect(page.locator(".explain-entry")).to_contain_text("secret's ID")
    context.close()
