"""Alerts with real processes: runs diagnosed by a real Celery worker against the lab, alerts delivered by
it to a mail server and webhooks on loopback; monitoring's scheduled tasks run by a real beat. Both with
Redis and with the embedded (filesystem) broker."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery import Celery
from django.utils import timezone

from diagnostics.models import CheckResult, DiagnosticRun
from lab.scenarios import CONTOSO, SUBMISSION_HOST
from lab.smtp import LAB_EGRESS_IP
from portal.models import AuditEvent, MailSetup, SapSystem
from portal.monitoring.models import Alert, Delivery, FleetSnapshot, Subscription, SystemAlerting
from portal.runs import create_run
from tests.support.pages import finished_run
from tests.support.receivers import mail_sink, webhook_receiver
from tests.support.workers import ROOT, child_process_env, filesystem_sender, lab_env, start_worker, stop_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

APP, SECRET, MAILBOX = "a11ce000-0000-4000-8000-0000000a1e75", "lab-secret-alerts-not-real", "sap-alr@good.lab.test"


@contextmanager
def broker(kind: str, tmp_path: Path, redis_url: str) -> Iterator[tuple[dict[str, str], Celery]]:
    """The worker's settings for the broker, and a client that sends tasks through it."""
    if kind == "redis":
        yield {"REDIS_URL": redis_url}, Celery("test-sender", broker=redis_url, set_as_current=False)
    else:
        yield {"REDIS_URL": "", "PORTAL_DATA_DIR": str(tmp_path / "data")}, filesystem_sender(tmp_path / "data")


@pytest.fixture
def watched(lab) -> Iterator:
    """A production system on OAuth 2.0 whose mailbox permission the test takes away and gives back."""
    lab.entra.register_app(CONTOSO.tenant_id, APP, secret=SECRET, roles=("SMTP.SendAsApp",))
    lab.directory.tenants[CONTOSO.tenant_id].service_principals.add(APP)
    box = lab.directory.add_mailbox(MAILBOX, tenant_id=CONTOSO.tenant_id, full_access={APP})
    system = SapSystem.objects.create(sid="ALR", client="100", role="PRD", description="alerting under test",
                                      contact_email="basis@contoso.example")  # fmt: skip
    MailSetup.objects.create(
        system=system, option="oauth2", cloud="lab", smtp_host=SUBMISSION_HOST, smtp_port=lab.port("submission"),
        tls="starttls", sender=MAILBOX, mailbox=MAILBOX, tenant=CONTOSO.tenant_id, client_id=APP, client_secret=SECRET,
        secret_expires=timezone.localdate() + dt.timedelta(days=300), egress_ips=[LAB_EGRESS_IP],
        test_recipient="it-ops@good.lab.test",
    )  # fmt: skip
    yield system, box
    box.full_access = {APP}


def _run(system: SapSystem, sender: Celery, process, log: Path) -> str:
    run = create_run(system, trigger=DiagnosticRun.Trigger.SCHEDULE)
    sender.send_task("portal.tasks.run_diagnosis_task", args=[run.pk], queue="default")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run.verdict
        assert process.poll() is None, log.read_text()
        time.sleep(0.1)
    pytest.fail(f"run {run.pk} did not finish:\n{log.read_text()}")


def _alerts(count: int, process, log: Path, seconds: float = 30) -> None:
    """Wait for the worker to have raised ``count`` alerts: it evaluates a run just after the run ends."""
    deadline = time.monotonic() + seconds
    while Alert.objects.count() < count:
        assert time.monotonic() < deadline, f"{Alert.objects.count()} alerts, not {count}:\n{log.read_text()}"
        assert process.poll() is None, log.read_text()
        time.sleep(0.1)
    assert Alert.objects.count() == count


def _deliveries_settled(process, log: Path, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while Delivery.objects.filter(state="pending").exists():
        assert time.monotonic() < deadline, f"deliveries still pending:\n{log.read_text()}"
        assert process.poll() is None, log.read_text()
        time.sleep(0.2)


@pytest.mark.parametrize("kind", ["redis", "embedded"])
def test_one_alert_per_change_on_every_channel_damped_and_muted(kind, lab, watched, tmp_path, redis_url):
    system, box = watched
    log = tmp_path / "worker.log"
    with mail_sink() as sink, webhook_receiver() as teams, webhook_receiver(fail_first=1) as hook:
        Subscription.objects.create(name="Basis channel", channel="teams", url=teams.url("/workflows/x?sig=KEY"))
        Subscription.objects.create(name="Ticketing", channel="webhook", url=hook.url("/alerts"))
        with broker(kind, tmp_path, redis_url) as (settings_env, sender):
            env = {**lab_env(lab), **settings_env, "PORTAL_CHECK_TIMEOUT": "3", "EMAIL_HOST": "127.0.0.1",
                   "EMAIL_PORT": str(sink.port), "EMAIL_USE_TLS": "0", "PORTAL_ALERT_RETRY_SECONDS": "1",
                   "PORTAL_BASE_URL": "https://mailhealth.example.com"}  # fmt: skip
            process = start_worker(env, log)
            try:

                def runs(*verdicts: str) -> None:
                    for expected in verdicts:
                        box.full_access = {APP} if expected == "passed" else set()  # 535 5.7.3 without it
                        assert _run(system, sender, process, log) == expected, log.read_text()
                    _deliveries_settled(process, log)

                runs("passed", "passed")  # unknown to green: no news
                assert Alert.objects.count() == 0
                runs("failed")  # one red run is not yet a change
                assert Alert.objects.count() == 0
                runs("failed", "failed")  # confirmed red: told once, not again on the next red run
                _alerts(1, process, log)
                runs("passed", "failed", "passed", "failed")  # flapping: never held, never told
                assert Alert.objects.count() == 1
                SystemAlerting.objects.filter(system=system).update(muted_until=timezone.now() + dt.timedelta(hours=1))
                runs("passed", "passed", "failed", "failed")  # back and broken again inside the window: nothing
                SystemAlerting.objects.filter(system=system).update(muted_until=None)
                runs("failed")
                assert Alert.objects.count() == 1
                runs("passed", "passed")  # recovered: told once
                _alerts(2, process, log)
                _deliveries_settled(process, log)
            finally:
                stop_worker(process)
    subjects = list(Alert.objects.order_by("id").values_list("subject", flat=True))
    assert len(subjects) == 2 and subjects[0].startswith("ALR/100 is red: ") and "5.7.3" in subjects[0]
    assert subjects[1] == "ALR/100 recovered: mail works again"
    assert [m["Subject"] for m in sink.messages] == [f"[Mail health] {s}" for s in subjects]
    assert all(m["To"] == "basis@contoso.example" for m in sink.messages)
    assert "https://mailhealth.example.com/systems/ALR/100/" in sink.messages[0].get_body(("plain",)).get_content()
    cards = [body["attachments"][0]["content"] for body in teams.bodies()]
    assert [card["body"][0]["text"] for card in cards] == subjects
    assert [body["subject"] for body in hook.bodies()] == [subjects[0], subjects[0], subjects[1]]  # refused once
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    assert AuditEvent.objects.filter(action="alert.sent").count() == 6
    assert AuditEvent.objects.filter(action="alert.delivery_failed").count() == 1
    assert AuditEvent.objects.filter(action="alert.muted").count() == 1
    assert "KEY" not in json.dumps(list(AuditEvent.objects.values_list("changes", flat=True)))


def _start_beat(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    import os

    full_env = {**os.environ, **child_process_env(), **env, "DJANGO_SETTINGS_MODULE": "tests.support.beat_settings"}
    command = [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO",
               "-s", str(Path(env["PORTAL_DATA_DIR"]) / "beat-schedule")]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _beat_runs(env: dict[str, str], tmp_path: Path, seconds: float) -> None:
    """Worker and beat together for ``seconds``: every monitoring task runs several times."""
    worker = start_worker(env, tmp_path / "worker.log")
    beat = _start_beat(env, tmp_path / "beat.log")
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert beat.poll() is None, (tmp_path / "beat.log").read_text()
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
    finally:
        stop_worker(beat)
        stop_worker(worker)


@pytest.mark.parametrize("kind", ["redis", "embedded"])
def test_beat_sends_early_warnings_once_per_threshold_takes_snapshots_and_prunes(kind, tmp_path, redis_url):
    today = timezone.localdate()
    secret = SapSystem.objects.create(sid="SEC", client="100", role="PRD", contact_email="sec@contoso.example")
    MailSetup.objects.create(system=secret, option="oauth2", secret_expires=today + dt.timedelta(days=10))
    basic = SapSystem.objects.create(sid="BAS", client="100", role="DEV", contact_email="bas@contoso.example")
    MailSetup.objects.create(system=basic, option="smtp_basic")
    old = finished_run(basic, "passed", at=timezone.now() - dt.timedelta(days=45))
    finished_run(basic, "passed", at=timezone.now() - dt.timedelta(days=40))
    latest = finished_run(basic, "passed", at=timezone.now() - dt.timedelta(days=35))  # kept: the latest run
    milestone = {"date": (today + dt.timedelta(days=7)).isoformat(), "what": "Basic auth off.", "source": "test"}
    with mail_sink() as sink, broker(kind, tmp_path, redis_url) as (settings_env, _):
        env = {**settings_env, "PORTAL_DATA_DIR": str(tmp_path / "data"), "EMAIL_HOST": "127.0.0.1",
               "EMAIL_PORT": str(sink.port), "EMAIL_USE_TLS": "0",
               "PORTAL_BASIC_AUTH_MILESTONES": json.dumps([milestone])}  # fmt: skip
        _beat_runs(env, tmp_path, 12)
        _beat_runs(env, tmp_path, 6)  # a restart: what was sent is in the database, nothing goes again
        assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}, (tmp_path / "worker.log").read_text()
    assert sorted((m["To"], m["Subject"]) for m in sink.messages) == [
        ("bas@contoso.example", f"[Mail health] BAS/100 still uses Basic auth: Microsoft's milestone of "
                                f"{(today + dt.timedelta(days=7)):%d %b %Y} is in 7 days"),
        ("sec@contoso.example", f"[Mail health] SEC/100: the client secret expires in 10 days "
                                f"({(today + dt.timedelta(days=10)):%d %b %Y})"),
    ]  # fmt: skip
    assert sorted(Alert.objects.values_list("key", flat=True)) == [
        f"expiry:client secret:{(today + dt.timedelta(days=10)).isoformat()}:14",
        f"milestone:{milestone['date']}:7",
    ]
    snapshot = FleetSnapshot.objects.get(day=today)
    assert (snapshot.total, snapshot.by_option, snapshot.generated) == (2, {"oauth2": 1, "smtp_basic": 1}, False)
    assert list(DiagnosticRun.objects.values_list("pk", flat=True)) in ([old.pk, latest.pk], [latest.pk, old.pk])
    assert CheckResult.objects.filter(run=latest).exists()
