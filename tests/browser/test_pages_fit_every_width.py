"""Pages of issues 10 and 13 at the widths between a phone and a desktop: nothing wider than the window, and the
dashboard's "no plan" flag beside a system's name, not over it. Screenshots land in ``screenshots/layout/``."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from diagnostics.models import DiagnosticRun
from portal.models import SapSystem
from portal.monitoring.models import Subscription
from portal.runs import create_run, execute_run
from tests.support.browser import SCREENSHOTS, TABLET, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SMALL_LAPTOP = {"width": 1024, "height": 768}
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
WIDEST = """[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture
def diagnosed(demo_systems) -> None:
    for sid, client in (("PRD", "100"), ("QAS", "200"), ("BWP", "100"), ("GRC", "100"), ("ECQ", "100")):
        run = create_run(SapSystem.objects.get(sid=sid, client=client), trigger=DiagnosticRun.Trigger.SCHEDULE)
        execute_run(run.pk)


@pytest.mark.parametrize("viewport", [SMALL_LAPTOP, TABLET], ids=["1024", "820"])
def test_the_systems_list_fits_a_small_laptop_and_a_tablet(page, basis_admin, diagnosed, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, "basis")
    page.goto("/")
    expect(page.locator(".system-table .badge-red").first).to_be_visible()
    assert page.evaluate(FITS), page.evaluate(WIDEST)
    shoot(page, f"layout/systems-{viewport['width']}", full_page=False)


def test_a_check_with_a_long_unbroken_value_wraps_on_a_phone(page, basis_admin, diagnosed):
    page.set_viewport_size(PHONE)
    sign_in(page, "basis")
    page.goto("/systems/PRD/100/")  # every check passed: the list shows them, the certificate's SHA-1 among them
    expect(page.locator("#run-status")).to_contain_text("SHA-1")
    assert page.evaluate(FITS), page.evaluate(WIDEST)


def test_the_alerts_page_with_a_subscription_fits_a_phone(page, basis_admin):
    Subscription.objects.create(name="Production on call", scope="role", value="PRD", email="oncall@contoso.example",
                                include_amber=True)  # fmt: skip
    page.set_viewport_size(PHONE)
    sign_in(page, "basis")
    page.goto("/alerts/")
    expect(page.get_by_role("link", name="Production on call")).to_be_visible()
    assert page.evaluate(FITS), page.evaluate(WIDEST)
    shoot(page, "layout/alerts-with-subscription-390")


def test_on_a_phone_the_no_plan_flag_is_the_cards_edge_not_a_bar_over_the_system(page, manager, diagnosed):
    page.set_viewport_size(PHONE)
    sign_in(page, "manager")
    page.goto("/dashboard/")
    card = page.locator(".open-table tr.no-plan").first
    expect(card).to_be_visible()
    assert card.locator("th").evaluate("th => getComputedStyle(th).boxShadow") == "none"
    assert card.evaluate("tr => getComputedStyle(tr).borderLeftWidth") == "6px"
    assert page.evaluate(FITS), page.evaluate(WIDEST)
    card.screenshot(path=str(SCREENSHOTS / "layout" / "dashboard-open-card-390.png"))
