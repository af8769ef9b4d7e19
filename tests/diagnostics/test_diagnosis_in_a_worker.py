"""A diagnosis queued from the portal runs in a real Celery worker process against the lab."""

import time

import pytest
from django.conf import settings

from diagnostics import models
from diagnostics.lab import Lab
from diagnostics.lab.dns import LAB_DNSBL_ZONES
from diagnostics.lab.scenarios import configure
from diagnostics.runner import create_run
from portal.management.commands.load_demo import demo_csv
from portal.models import SapSystem
from portal.system_import import import_systems
from tests.workers import filesystem_sender, start_worker, stop_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_queued_run_is_executed_by_a_worker_and_saved_check_by_check(tmp_path):
    with Lab.start() as lab:
        configure(lab)
        import_systems(demo_csv(lab.ports))
        run = create_run(SapSystem.objects.get(sid="QAS"), trigger="web")
        env = {
            "PORTAL_DATA_DIR": str(tmp_path),
            "REDIS_URL": "",
            "PORTAL_WORKER_NAME": "zone-worker",
            "PORTAL_DNS_NAMESERVERS": ",".join(f"{h}:{p}" for h, p in lab.dns.nameservers),
            "PORTAL_EXTRA_CA_BUNDLE": str(lab.pki.ca_pem_path),
            "PORTAL_LOGIN_AUTHORITY_HOST": lab.entra.base_url,
            "PORTAL_ALLOW_LOOPBACK_TARGETS": "1",
            "PORTAL_DNSBL_ZONES": ",".join(LAB_DNSBL_ZONES),
            "PORTAL_CHECK_TIMEOUT": "2",
        }
        process = start_worker(env, tmp_path / "worker.log")
        try:
            filesystem_sender(tmp_path).send_task(
                "diagnostics.tasks.run_diagnosis_task", args=[run.pk], queue="default"
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                run.refresh_from_db()
                if run.is_finished:
                    break
                assert process.poll() is None, (tmp_path / "worker.log").read_text()
                time.sleep(0.2)
        finally:
            stop_worker(process)
    assert run.state == "done", (tmp_path / "worker.log").read_text()
    assert (run.verdict, run.worker) == ("failed", "zone-worker")
    token = models.CheckResult.objects.get(run=run, key="oauth.token")
    assert (token.status, token.code) == ("fail", "AADSTS7000222")
    assert "new client secret" in token.remedy.lower() or "secret" in token.remedy.lower()
    assert models.CheckResult.objects.filter(run=run).count() == len(run.planned_checks)
    assert settings.PORTAL_SECRET_KEYS  # the worker decrypted the secret with the same keys
