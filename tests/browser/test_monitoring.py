"""Monitoring in Chromium: a system's 30-day timeline, the dashboard's trend, the alerts page, and what an
alert e-mail looks like (its HTML rendered by the browser), at 1366 and 390 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lab import history
from portal.models import SapSystem
from portal.monitoring import messages
from portal.monitoring.changes import after_run
from portal.monitoring.models import Alert
from tests.support.browser import SCREENSHOTS, shoot, sign_in
from tests.support.pages import finished_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_with_history(demo_systems) -> None:
    history.seed(7)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1366", "390"])
def test_the_health_tab_shows_30_days_of_bands_with_the_code_behind_each_red_one(
    page, basis_admin, demo_with_history, viewport
):
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page, "basis")
    page.goto("/systems/MDG/100/")
    timeline = page.get_by_role("img", name="Last 30 days")
    expect(timeline).to_be_visible()
    assert timeline.locator("rect.band-red").count() >= 5 and timeline.locator("rect.band-green").count() >= 5
    expect(page.locator("table.red-bands")).to_contain_text("smtp.closed")
    expect(page.locator("section.timeline")).to_contain_text("to recover from red")
    expect(page.locator("section.timeline")).to_contain_text("checks passed")
    _fits(page)
    width = (viewport or {"width": 1366})["width"]
    page.locator("section.timeline").scroll_into_view_if_needed()
    shoot(page, f"alerts/timeline-flapping-{width}", full_page=False)
    page.goto("/systems/PLM/100/")
    expect(page.locator("table.red-bands")).to_contain_text("AADSTS7000222")
    page.locator("section.timeline").screenshot(path=str(SCREENSHOTS / f"alerts/timeline-recovered-{width}.png"))


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1366", "390"])
def test_the_dashboard_shows_health_and_the_migration_over_time(page, manager, demo_with_history, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page, "manager")
    page.goto("/dashboard/")
    for chart in ("Health, one column per day", "Mail option, one column per day"):
        expect(page.get_by_role("img", name=chart)).to_be_visible()
    assert page.get_by_role("img", name="Health, one column per day").locator("rect").count() >= 7 * 3
    trend = page.locator("section[aria-labelledby=trend-title]")
    expect(trend.get_by_text("generated demo history")).to_be_visible()
    burndown = page.locator("section.burndown")  # the same made-up week, counted as not yet off Basic auth
    expect(burndown.get_by_text("generated demo history")).to_be_visible()
    expect(burndown.locator(".burndown-verdict")).to_contain_text("3 systems still on Basic auth or not set up today")
    _fits(page)
    width = (viewport or {"width": 1366})["width"]
    page.locator("section[aria-labelledby=trend-title]").screenshot(
        path=str(SCREENSHOTS / f"alerts/dashboard-trend-{width}.png")
    )


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1366", "390"])
def test_an_alert_email_reads_well_in_a_browser(page, basis_admin, demo_with_history, viewport):
    after_run(finished_run(SapSystem.objects.get(sid="PLM"), "passed"))  # the demo's recovery, confirmed
    for system in ("QAS",):  # and one red alert, from a system whose mail failed again
        qas = SapSystem.objects.get(sid=system)
        for minutes in (2, 1):
            run = finished_run(qas, "passed", at=timezone.now() - timedelta(minutes=minutes + 10))
            after_run(run)
        for minutes in (2, 1):
            run = finished_run(qas, "failed", at=timezone.now() - timedelta(minutes=minutes), key="oauth.token",
                               code="AADSTS7000222", summary="Entra ID refused the token: the client secret expired",
                               remedy="Create a new client secret, store it in OA2C_CONFIG and in the portal.")  # fmt: skip
            after_run(run)
    width = (viewport or {"width": 1366})["width"]
    if viewport:
        page.set_viewport_size(viewport)
    for alert, name in ((Alert.objects.get(subject__startswith="QAS/200 is red"), "red"),
                        (Alert.objects.get(subject__startswith="PLM/100 recovered"), "recovered")):  # fmt: skip
        page.set_content(messages.email_html(alert))
        expect(page.get_by_role("link", name=f"Open {alert.facts['system']} in the portal")).to_be_visible()
        _fits(page)
        shoot(page, f"alerts/alert-email-{name}-{width}")
    expect(page.get_by_text("AADSTS7000222")).to_have_count(0)  # the recovery names no code
    sign_in(page, "basis")
    page.goto("/alerts/")
    expect(page.get_by_role("cell", name="PLM/100 recovered: mail works again")).to_be_visible()
    _fits(page)
    shoot(page, f"alerts/alerts-page-{width}")
