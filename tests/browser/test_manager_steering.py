"""Issue 13 in Chromium: a manager steers the move off Basic auth from the dashboard and the printable report;
a Basis admin works through a runbook and imports Exchange's SMTP AUTH clients report.

Screenshots land in ``test-artifacts/screenshots/plan/``."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from diagnostics.models import DiagnosticRun
from lab.scenarios import SCENARIOS
from portal.exchange_report import import_report
from portal.models import SapSystem
from portal.runs import create_run, execute_run
from tests.support.browser import LAPTOP, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FITS = "document.documentElement.scrollWidth <= window.innerWidth"
EAC = Path(__file__).resolve().parents[1] / "support" / "exchange" / "smtp_auth_clients_eac.csv"


@pytest.fixture
def steered(demo_systems) -> None:
    """Every demo system diagnosed for real against the lab (its runbook ticks itself), a few planned."""
    for scenario in SCENARIOS:
        sid, client = scenario.label.split("/")
        run = create_run(SapSystem.objects.get(sid=sid, client=client), trigger=DiagnosticRun.Trigger.SCHEDULE)
        execute_run(run.pk)
    today = timezone.localdate()
    SapSystem.objects.filter(sid="DEV").update(
        owner="Team ECC",
        contact_email="ecc-basis@contoso.com",
        target_option="direct_send",
        target_date=today - timedelta(days=4),
    )
    SapSystem.objects.filter(sid="SBX").update(owner="Team S/4", target_option="oauth2", target_date=date(2026, 12, 18))
    SapSystem.objects.filter(sid="QAS").update(owner="Team S/4", target_option="oauth2", target_date=date(2026, 12, 10))  # fmt: skip


def test_a_manager_walks_through_the_dashboard_and_the_printable_report(page, manager, steered):
    import_report(EAC.read_bytes(), as_of=date(2026, 11, 28))
    sign_in(page, "manager")
    page.get_by_role("link", name="Migration dashboard").click()
    expect(page.locator(".tile-wide .big")).to_contain_text("38% moved and healthy")
    numbers = page.locator(".progress-numbers")
    expect(numbers).to_contain_text("7 moved and healthy")
    expect(numbers).to_contain_text("8 moved, but failing or stale")
    expect(numbers).to_contain_text("3 still on Basic auth")
    expect(page.locator("#exchange-title + p")).to_contain_text("as of 28 Nov 2026")
    open_rows = page.locator(".open-table tbody tr")
    expect(open_rows).to_have_count(11)
    expect(page.locator(".open-table tr.overdue")).to_contain_text("overdue by 4 days")
    shoot(page, "plan/dashboard-1366")
    page.set_viewport_size(PHONE)
    assert page.evaluate(FITS), "the dashboard scrolls sideways on a phone"
    shoot(page, "plan/dashboard-390")
    page.set_viewport_size(LAPTOP)

    page.get_by_label("Owner").select_option("Team S/4")
    page.get_by_role("button", name="Filter").click()
    expect(open_rows).to_have_count(2)  # QAS and SBX
    expect(page.locator(".open-table")).to_contain_text("SBX/400")

    numbers.get_by_role("link", name=re.compile("still on Basic auth")).click()
    expect(page).to_have_url(re.compile(r"/\?progress=on_basic$"))
    expect(page.locator("#system-rows tbody tr")).to_have_count(3)

    page.goto("/dashboard/")
    page.get_by_role("link", name="Printable report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("status of")
    expect(page.get_by_role("img", name=re.compile("Mail option by landscape role"))).to_be_visible()
    expect(page.locator(".open-table tbody tr")).to_have_count(11)
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    shoot(page, "plan/report-1366")
    page.set_viewport_size(PHONE)
    assert page.evaluate(FITS), "the report scrolls sideways on a phone"
    shoot(page, "plan/report-390")
    page.set_viewport_size(LAPTOP)
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Download PDF")).to_be_hidden()  # the print layout drops the controls
    shoot(page, "plan/report-print-1366")


def test_a_basis_admin_ticks_a_runbook_and_imports_exchanges_report(page, basis_admin, steered):
    sign_in(page, "basis")
    page.goto("/systems/QAS/200/steps/")
    summary = page.locator("#runbook-summary")
    expect(summary).to_contain_text(re.compile(r"Runbook: \d+ of \d+ steps done"))
    before = int(re.search(r"(\d+) of", summary.inner_text()).group(1))
    expect(page.locator("#tick-entraclient_secret")).to_contain_text("Unticked")  # the secret expired: a check said so
    for key in ("entraapp_registration", "entraapi_permission"):
        box = page.locator(f"#tick-{key}")
        if box.get_by_role("button").get_attribute("aria-pressed") == "false":
            box.get_by_role("button").click()
            expect(page.locator(f"#tick-{key} button")).to_have_attribute("aria-pressed", "true")
    expect(summary).not_to_contain_text(f"Runbook: {before} of")
    done = re.search(r"Runbook: (\d+ of \d+ steps done)", summary.inner_text()).group(1)
    expect(page.locator("#health-line")).to_contain_text(done)  # the header follows each tick
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "plan/runbook-half-done-1366", full_page=False)
    page.locator("#tick-entraclient_secret").scroll_into_view_if_needed()
    shoot(page, "plan/runbook-unticked-by-a-check-1366", full_page=False)

    page.goto("/exchange-report/")
    page.get_by_label("The exported .csv file").set_input_files(str(EAC))
    page.get_by_label("As of").fill("28 Nov 2026")
    page.get_by_role("button", name="Import the report").click()
    expect(page.get_by_role("heading", name="According to Exchange, as of 28 Nov 2026")).to_be_visible()
    expect(page.locator("#evidence")).to_contain_text("Counted as moved, but Exchange saw Basic auth: 2")
    shoot(page, "plan/exchange-report-1366")
    page.get_by_role("link", name="add as a system").click()
    expect(page.locator("main")).to_contain_text("scanner-3og@good.lab.test")


def test_a_manager_reads_the_burndown_against_microsofts_milestones(page, manager, demo_systems, settings):
    """Six weeks of snapshots falling from 17 to today's 3: the pace, the projected day, the milestone."""
    from portal.monitoring.models import FleetSnapshot

    today = timezone.localdate()
    settings.PORTAL_BASIC_AUTH_MILESTONES = [
        {"date": (today + timedelta(days=31)).isoformat(), "what": "Basic auth off by default", "source": "test"},
        {"date": (today + timedelta(days=120)).isoformat(), "what": "Final removal (date not announced)"},
    ]
    for back in range(1, 43):
        left = 3 + back // 3
        FleetSnapshot.objects.create(day=today - timedelta(days=back), total=18,
                                     by_progress={"on_basic": left, "moved_healthy": 18 - left})  # fmt: skip
    sign_in(page, "manager")
    page.goto("/dashboard/")
    card = page.locator(".burndown")
    expect(card.locator(".burndown-verdict")).to_contain_text("3 systems still on Basic auth or not set up today")
    expect(card.locator(".burndown-verdict")).to_contain_text("days before Microsoft's next milestone")
    expect(card.get_by_role("img", name=re.compile("Burndown"))).to_be_visible()
    expect(card.locator(".burndown-milestone")).to_have_count(2)
    expect(card.locator(".burndown-milestones")).to_contain_text("Final removal (date not announced)")
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(shoot(page, "plan/burndown-page-1366", full_page=False).with_name("burndown-1366.png")))
    page.set_viewport_size(PHONE)
    assert page.evaluate(FITS), "the dashboard scrolls sideways on a phone"
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(shoot(page, "plan/burndown-page-390", full_page=False).with_name("burndown-390.png")))
