"""Monitoring tests: tasks run in this process (eager) unless a test starts real workers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery import current_app

from tests.support.receivers import WebhookReceiver, webhook_receiver


@pytest.fixture
def eager_tasks(settings) -> Iterator[None]:
    """Deliveries run at once, in this process (their back-off is then immediate)."""
    settings.PORTAL_ALERT_RETRY_SECONDS = 0
    saved = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        yield
    finally:
        current_app.conf.task_always_eager = saved


@pytest.fixture
def receiver(settings) -> Iterator[WebhookReceiver]:
    """A webhook on loopback, where the lab's stand-ins live: allowed as in the demo."""
    settings.PORTAL_ALLOW_LOOPBACK_TARGETS = True
    with webhook_receiver() as started:
        yield started


@pytest.fixture
def mail_backend(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
