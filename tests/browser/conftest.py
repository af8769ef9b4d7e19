"""Chromium through Playwright against the live server, with the lab behind the diagnostics.

Runs started from the pages execute in a thread of the live server's process (no worker
needed); the checks talk to the lab's loopback servers. Screenshots land in
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction

from diagnostics.models import DiagnosticRun
from lab import Lab
from lab.dns import LAB_DNSBL_ZONES
from lab.scenarios import SCENARIOS, configure
from portal.roles import GROUP_PERMISSIONS
from portal.system_import import COLUMNS, import_systems
from tests.conftest import PASSWORD

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests make
# there are still synchronous, so Django's async-safety guard is switched off (for the session, once
# this folder is collected; no other test runs an event loop).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}


@pytest.fixture(autouse=True)
def role_groups(transactional_db: None) -> None:
    """A transactional test flushes the tables, and with them the groups the data migration made."""
    for name, codes in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.fixture(scope="session")
def browser_lab() -> Iterator[Lab]:
    with Lab.start() as lab:
        configure(lab)
        yield lab


@pytest.fixture
def lab_settings(settings, browser_lab: Lab) -> Lab:
    """Point the diagnostics' settings at the lab, as the demo does."""
    settings.PORTAL_DNS_NAMESERVERS = browser_lab.dns.nameservers
    settings.PORTAL_EXTRA_CA_BUNDLE = str(browser_lab.pki.ca_pem_path)
    settings.PORTAL_LOGIN_AUTHORITY_HOST = browser_lab.entra.base_url
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = True
    settings.PORTAL_DNSBL_ZONES = list(LAB_DNSBL_ZONES)
    settings.PORTAL_CHECK_TIMEOUT = 3
    settings.PORTAL_RUN_BUDGET = 20
    return browser_lab


@pytest.fixture
def demo_systems(lab_settings: Lab) -> None:
    """The lab's scenarios, imported the way a customer's CSV is (pointing at this lab's free ports)."""
    rows = [scenario.values(lab_settings.ports) for scenario in SCENARIOS]
    header = [name for name in COLUMNS if any(name in row for row in rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(name) in (None, "") else str(row[name]) for name in header])
    import_systems(buffer.getvalue())


@pytest.fixture
def runs_in_threads(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """Run each enqueued diagnosis in a thread of the live server's process instead of a Celery worker."""
    from portal.runs import execute_run

    threads: list[threading.Thread] = []

    def execute(run_id: int) -> None:
        try:
            execute_run(run_id)
        finally:
            connection.close()

    def enqueue(run: DiagnosticRun) -> None:
        def start() -> None:
            thread = threading.Thread(target=execute, args=(run.pk,), daemon=True)
            threads.append(thread)
            thread.start()

        transaction.on_commit(start)

    monkeypatch.setattr("portal.views.runs.enqueue_run", enqueue)
    yield threads
    for thread in threads:
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server) -> Iterator[object]:
    context = chromium.new_context(viewport=LAPTOP, base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def shoot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
