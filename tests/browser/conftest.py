"""Chromium through Playwright against the live server, with the lab behind the diagnostics.

Runs started from the pages execute in a thread of the live server's process (no worker
needed); the checks talk to the lab's loopback servers. Screenshots land in
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from django.db import connection, transaction

from diagnostics.models import DiagnosticRun
from lab import Lab
from tests.support.browser import CHROMIUM_ARGS, LAPTOP
from tests.support.users import ensure_role_groups

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests make
# there are still synchronous, so Django's async-safety guard is switched off (for the session, once
# this folder is collected; no other test runs an event loop).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def role_groups(transactional_db: None) -> None:
    """A transactional test flushes the tables, and with them the groups the data migration made."""
    ensure_role_groups()


@pytest.fixture
def lab_settings(lab_settings: Lab, settings) -> Lab:
    """The lab's settings (tests/conftest.py), with a little more time: a browser test's server shares the core."""
    settings.PORTAL_CHECK_TIMEOUT = 3
    settings.PORTAL_RUN_BUDGET = 20
    return lab_settings


@pytest.fixture
def demo_systems(demo: Lab) -> None:
    """The demo's systems (``demo``, tests/conftest.py), with the browser's settings above."""


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
