"""A diagnosis queued from the portal runs in a real Celery worker process against the lab."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction

from diagnostics import models
from lab import Lab
from lab.demo import demo_csv
from lab.dns import LAB_DNSBL_ZONES
from portal.celery import app
from portal.models import MailSetup, SapSystem
from portal.runs import create_run
from portal.system_import import import_systems
from portal.tasks import enqueue_run
from tests.support.workers import filesystem_sender, start_worker, stop_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _lab_env(lab: Lab) -> dict[str, str]:
    return {
        "PORTAL_DNS_NAMESERVERS": ",".join(f"{h}:{p}" for h, p in lab.dns.nameservers),
        "PORTAL_EXTRA_CA_BUNDLE": str(lab.pki.ca_pem_path),
        "PORTAL_LOGIN_AUTHORITY_HOST": lab.entra.base_url,
        "PORTAL_ALLOW_LOOPBACK_TARGETS": "1",
        "PORTAL_DNSBL_ZONES": ",".join(LAB_DNSBL_ZONES),
        "PORTAL_CHECK_TIMEOUT": "2",
    }


def _wait_until_finished(run: models.DiagnosticRun, process, log: Path) -> list[str]:
    """Poll like the page does; returns the check keys seen at each poll, to show progress."""
    seen, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        seen.append(",".join(run.results.values_list("key", flat=True)))
        if run.is_finished:
            return seen
        assert process.poll() is None, log.read_text()
        time.sleep(0.05)
    pytest.fail(f"the run did not finish within 60 s:\n{log.read_text()}")


@contextmanager
def _broker(url: str) -> Iterator[None]:
    """Point this process's Celery app (which enqueue_run uses) at another broker for a while: its URL, and no
    transport of its own (the embedded mode names portal.embedded_broker's, which would win over the URL)."""
    saved = app.conf.broker_url, app.conf.broker_transport
    app.conf.broker_url, app.conf.broker_transport = url, None
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport = saved
        app._pool, app.amqp._producer_pool = None, None


def test_a_run_enqueued_for_a_zone_is_executed_by_that_zones_worker_through_redis(lab, tmp_path, redis_url, settings):
    settings.PORTAL_ROUTE_BY_ZONE = True
    log = tmp_path / "worker.log"
    import_systems(demo_csv(lab.ports))
    SapSystem.objects.filter(sid="QAS").update(zone="dmz")
    # A mail server that accepts TCP and never greets: the banner check waits its whole timeout (2 s) while
    # the DNS checks and the token finish at once, so a page following the run sees results before its end.
    MailSetup.objects.filter(system__sid="QAS").update(smtp_host="relay-silent.lab.test", smtp_port=lab.port("silent"))
    env = {**_lab_env(lab), "REDIS_URL": redis_url, "PORTAL_WORKER_NAME": "dmz-worker", "PORTAL_ZONE": "dmz"}
    process = start_worker(env, log, queues="zone.dmz")
    try:
        with _broker(redis_url), transaction.atomic():
            run = create_run(SapSystem.objects.get(sid="QAS"), trigger="web")
            enqueue_run(run)  # sent on commit, to queue zone.dmz
        progress = _wait_until_finished(run, process, log)
    finally:
        stop_worker(process)
    assert (run.state, run.verdict, run.worker, run.zone) == ("done", "failed", "dmz-worker", "dmz"), log.read_text()
    token = models.CheckResult.objects.get(run=run, key="oauth.token")
    assert (token.status, token.code) == ("fail", "AADSTS7000222")
    assert "new client secret" in token.remedy.lower() or "new secret" in token.remedy.lower(), token.remedy
    assert list(models.CheckResult.objects.filter(run=run).values_list("key", flat=True)) == run.planned_checks
    banner = models.CheckResult.objects.get(run=run, key="smtp.banner")
    assert banner.status in ("fail", "error") and banner.duration_ms >= 1500, (banner.status, banner.duration_ms)
    early = [keys for keys in progress if keys and "smtp.banner" not in keys.split(",")]
    assert any("oauth.token" in keys.split(",") for keys in early), progress  # saved while the banner still waited


def test_the_embedded_broker_carries_a_run_to_the_all_in_one_worker(lab, tmp_path):
    log = tmp_path / "worker.log"
    import_systems(demo_csv(lab.ports))
    run = create_run(SapSystem.objects.get(sid="PRD"), trigger="web")
    env = {**_lab_env(lab), "PORTAL_DATA_DIR": str(tmp_path), "REDIS_URL": "", "PORTAL_WORKER_NAME": "all-in-one"}
    process = start_worker(env, log)
    try:
        filesystem_sender(tmp_path).send_task("portal.tasks.run_diagnosis_task", args=[run.pk], queue="default")
        _wait_until_finished(run, process, log)
    finally:
        stop_worker(process)
    assert (run.state, run.verdict, run.worker) == ("done", "passed", "all-in-one"), log.read_text()
