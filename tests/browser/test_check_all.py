"""'Check all' on the systems list and the dashboard, with its live progress, in Chromium at 1366 and 390 px."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from playwright.sync_api import expect

from diagnostics.models import DiagnosticRun
from tests.support.browser import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def one_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One thread of the live server's process plays a worker: runs one run after another, as they come, so the
    progress visibly climbs."""
    from portal.runs import execute_run

    waiting: queue.Queue[int | None] = queue.Queue()

    def work() -> None:
        while (run_id := waiting.get()) is not None:
            try:
                execute_run(run_id)
            finally:
                connection.close()

    def enqueue(run: DiagnosticRun) -> None:
        transaction.on_commit(lambda: waiting.put(run.pk))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    monkeypatch.setattr("portal.views.fleet_runs.enqueue_run", enqueue)
    yield
    waiting.put(None)
    worker.join(timeout=60)


def _shoot(page, name: str) -> None:
    folder = SCREENSHOTS / "schedule"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def test_check_all_on_the_systems_list_shows_live_progress_until_every_system_is_done(
    page, helpdesk, demo_systems, one_worker
):
    sign_in(page, "helpdesk")
    page.goto("/")
    page.get_by_role("button", name="Check all 18 systems").click()
    progress = page.locator("#fleet-progress")
    expect(progress).to_contain_text("Checking 18 systems")
    expect(progress).to_contain_text("failing so far", timeout=30_000)  # the demo has failing systems
    counts = progress.locator(".fleet-counts")
    done_before = int(counts.inner_text().split(" of ")[0])
    assert done_before < 18
    _shoot(page, "check-all-progress-1366")
    expect(counts).to_contain_text("18 of 18 done", timeout=90_000)
    expect(progress).to_have_attribute("aria-busy", "false")
    expect(progress).not_to_contain_text("so far")
    expect(progress.get_by_role("link", name="QAS/200")).to_be_visible()  # a failing system, named
    _shoot(page, "check-all-done-1366")
    assert DiagnosticRun.objects.filter(trigger="web").count() == 18


def test_check_these_on_a_phone_follows_the_filtered_systems(page, helpdesk, demo_systems, one_worker):
    page.set_viewport_size(PHONE)
    sign_in(page, "helpdesk")
    page.goto("/?role=QAS")
    page.get_by_role("button", name="Check these 5 systems").click()
    counts = page.locator("#fleet-progress .fleet-counts")
    expect(counts).to_contain_text("of 5 done")
    _shoot(page, "check-these-progress-390")
    expect(counts).to_contain_text("5 of 5 done", timeout=60_000)
    _shoot(page, "check-these-done-390")


def test_check_all_on_the_dashboard_for_a_basis_admin(page, basis_admin, demo_systems, one_worker):
    sign_in(page, "basis")
    page.goto("/dashboard/")
    watch = page.locator(".fleet-watch")
    expect(watch).to_contain_text("Monitoring")
    watch.get_by_role("button", name="Check all 18 systems").click()
    expect(watch.locator(".fleet-counts")).to_contain_text("18 of 18 done", timeout=90_000)
    watch.scroll_into_view_if_needed()
    _shoot(page, "dashboard-check-all-1366")
    page.set_viewport_size(PHONE)
    watch.scroll_into_view_if_needed()
    _shoot(page, "dashboard-check-all-390")


def test_a_system_backing_off_and_a_stale_one_say_so_on_their_pages(page, basis_admin, demo_systems):
    from datetime import timedelta

    from django.utils import timezone

    from portal.models import MailSetup
    from tests.support.pages import finished_run

    MailSetup.objects.update(updated_at=timezone.now() - timedelta(days=1))
    qas = MailSetup.objects.get(system__sid="QAS").system
    for hours in (5, 1):
        finished_run(qas, "failed", at=timezone.now() - timedelta(hours=hours), key="oauth.token", code="AADSTS7000222")
    finished_run(MailSetup.objects.get(system__sid="PRD").system, "passed", at=timezone.now() - timedelta(hours=3))
    sign_in(page, "basis")
    page.goto("/systems/QAS/200/")
    expect(page.locator("#schedule-line")).to_contain_text("backing off after a failed sign-in")
    expect(page.locator("#schedule-line")).to_contain_text("failed 2 times in a row")
    _shoot(page, "health-tab-backing-off-1366")
    page.goto("/systems/PRD/100/")
    expect(page.locator("#health-line")).to_contain_text("last checked 3 h ago — overdue")
    page.goto("/?health=stale")
    expect(page.locator(".system-table")).to_contain_text("PRD/100")
    page.set_viewport_size(PHONE)
    _shoot(page, "stale-list-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/systems/QAS/200/configuration/")
    expect(page.get_by_label("Check every (minutes)")).to_be_visible()
    page.get_by_label("Check every (minutes)").scroll_into_view_if_needed()
    _shoot(page, "configuration-schedule-1366")
