"""Every page reads without JavaScript; the keyboard reaches everything in a sensible order."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import LAPTOP, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/", "/?health=red", "/systems/QAS/200/", "/systems/QAS/200/configuration/", "/systems/QAS/200/steps/",
    "/systems/QAS/200/test-send/", "/helpdesk/", "/dashboard/", "/advisor/", "/systems/new/",
]  # fmt: skip


@pytest.fixture
def plain_page(chromium, live_server):
    context = chromium.new_context(viewport=LAPTOP, base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def test_every_page_reads_without_javascript(plain_page, basis_admin, demo_systems, runs_in_threads):
    sign_in(plain_page, "basis")
    for url in PAGES:
        response = plain_page.goto(url)
        assert response.status == 200, url
        expect(plain_page.locator("h1").first).to_be_visible()
    plain_page.goto("/systems/QAS/200/")
    plain_page.get_by_role("button", name="Run checks").click()  # a plain POST, then the run's own page
    expect(plain_page.locator("#run-status")).to_be_visible()
    for thread in runs_in_threads:
        thread.join(timeout=30)
    plain_page.get_by_role("link", name="Refresh").click()
    expect(plain_page.locator("#run-status .check-fail").first).to_contain_text("AADSTS7000222")
    expect(plain_page.locator("button.copy")).to_have_count(0)
    shoot(plain_page, "13-no-javascript-run")


def test_the_keyboard_starts_at_the_skip_link_and_then_the_navigation(page, helpdesk, demo_systems):
    sign_in(page, "helpdesk")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="SAP Mail Health")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Systems", exact=True)).to_be_focused()


def test_the_helpdesk_reads_a_red_card_after_a_run(page, helpdesk, demo_systems, runs_in_threads):
    sign_in(page, "helpdesk")
    page.goto("/systems/QAS/200/")
    page.get_by_role("button", name="Run checks").click()
    expect(page.locator("#run-status")).to_have_attribute("aria-busy", "false", timeout=30_000)
    shoot(page, "14-health-tab-after-run")
    page.goto("/helpdesk/?q=QAS")
    card = page.locator(".health-card")
    expect(card).to_contain_text("Mail from QAS/200 is not being sent")
    expect(card).to_contain_text("Failing since")
    expect(card).to_contain_text("AADSTS7000222")
    shoot(page, "15-helpdesk-red-card")
