"""`manage.py diagnose` and the runner end to end: demo scenarios against a lab on free ports."""

import base64
import json
import logging

import pytest
from django.core.management import CommandError, call_command

from diagnostics.models import CheckResult, DiagnosticRun
from diagnostics.models import TestSend as SentTestMail
from lab.scenarios import scenario
from portal.models import SapSystem
from portal.runs import create_run, execute_run

pytestmark = pytest.mark.django_db


def _diagnose(capsys, *args: str) -> tuple[int, dict]:
    code = 0
    try:
        call_command("diagnose", *args, "--json")
    except SystemExit as exit_:
        code = int(exit_.code)
    return code, json.loads(capsys.readouterr().out)


def test_a_healthy_oauth2_system_passes_with_exit_0_and_the_contract_json(demo, capsys):
    code, report = _diagnose(capsys, "PRD", "--client", "100")
    assert code == 0
    assert (report["system"], report["option"], report["status"]) == ("PRD/100", "oauth2", "passed")
    keys = [check["key"] for check in report["checks"]]
    assert keys[:3] == ["dns.host", "tcp.connect", "smtp.banner"]
    assert {"oauth.token", "oauth.claims", "smtp.auth", "smtp.envelope", "spf.record"} <= set(keys)
    for check in report["checks"]:
        assert set(check) >= {"key", "status", "code", "summary", "remedy", "duration_ms"}
        assert isinstance(check["duration_ms"], int)
        assert check["status"] == "pass" and check["code"] is None
    run = DiagnosticRun.objects.get()
    assert (run.trigger, run.state, run.verdict, run.worker) == ("cli", "done", "passed", "test-worker")


@pytest.mark.parametrize(
    "key",
    [
        "qas-oauth2-secret-expired",
        "dev-basic-smtp-auth-disabled",
        "hrp-direct-send-external",
        "sbx-basic-working-but-retiring",
    ],
)
def test_each_demo_scenario_gets_its_verdict_and_names_its_code(demo, capsys, key):
    item = scenario(key)
    code, report = _diagnose(capsys, item.system["sid"], "--client", item.system["client"])
    assert report["status"] == item.verdict
    assert code == (1 if item.verdict in ("failed", "error") else 0)
    by_key = {check["key"]: check for check in report["checks"]}
    for check_key, expected in item.codes.items():
        assert by_key[check_key]["code"] == expected
        assert by_key[check_key]["remedy"]


def test_basic_auth_is_always_flagged_with_microsofts_date(demo, capsys):
    _, report = _diagnose(capsys, "SBX")
    retirement = next(c for c in report["checks"] if c["key"] == "setup.basic_auth_retirement")
    assert retirement["status"] == "warn"
    assert "2026" in retirement["summary"] + retirement["remedy"]


def test_a_password_never_appears_in_output_results_or_transcripts(demo, capsys):
    password = "lab-password-sap-sbx"
    _, report = _diagnose(capsys, "SBX")
    text = json.dumps(report)
    stored = " ".join(f"{r.summary} {r.evidence} {r.explanation} {r.remedy}" for r in CheckResult.objects.all())
    for form in (password, base64.b64encode(password.encode()).decode()):
        assert form not in text
        assert form not in stored


def test_a_test_send_delivers_a_real_message_and_keeps_the_redacted_transcript(demo, capsys):
    code, report = _diagnose(capsys, "PRD", "--send-to", "it-ops@good.lab.test")
    assert code == 0
    send = next(c for c in report["checks"] if c["key"] == "send.test")
    assert send["status"] == "pass"
    record = SentTestMail.objects.get()
    assert record.accepted and record.queue_id
    assert demo.smtp.received(record.message_id) is not None
    assert "AUTH XOAUTH2" in record.transcript
    token_line = next(line for line in record.transcript.splitlines() if line.startswith("C: AUTH XOAUTH2"))
    assert "redacted" in token_line.lower() or "***" in token_line


def test_unknown_system_missing_setup_and_ambiguous_sid_exit_2(demo, capsys):
    with pytest.raises(CommandError, match="no SAP system XYZ") as unknown:
        call_command("diagnose", "XYZ")
    assert unknown.value.returncode == 2
    SapSystem.objects.create(sid="PRD", client="900")
    with pytest.raises(CommandError, match="several clients") as ambiguous:
        call_command("diagnose", "PRD")
    assert ambiguous.value.returncode == 2
    with pytest.raises(CommandError, match="has no mail setup") as no_setup:
        call_command("diagnose", "PRD", "--client", "900")
    assert no_setup.value.returncode == 2
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("diagnose", "PRD", "--client", "100", "--send-to", "nobody")


def test_a_duplicate_delivery_of_a_run_does_nothing(demo):
    run = create_run(SapSystem.objects.get(sid="HRQ"), trigger="web")
    assert execute_run(run.pk) is not None
    results = CheckResult.objects.filter(run=run).count()
    assert execute_run(run.pk) is None
    assert CheckResult.objects.filter(run=run).count() == results
    run.refresh_from_db()
    assert run.state == "done" and run.planned_checks[0] == "dns.host"


def test_the_retirement_date_comes_from_the_setting(demo, capsys, settings):
    settings.PORTAL_BASIC_AUTH_MILESTONES = [
        {"date": "2031-05-17", "what": "Basic auth gone for good", "source": "test"}
    ]
    _, report = _diagnose(capsys, "SBX")
    retirement = next(c for c in report["checks"] if c["key"] == "setup.basic_auth_retirement")
    assert "2031" in retirement["summary"] + retirement["remedy"] + retirement["explanation"]


def test_no_secret_reaches_the_logs_even_at_debug_level(demo, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    _diagnose(capsys, "SBX")  # Basic auth: the password goes over the wire
    _diagnose(capsys, "PRD", "--send-to", "it-ops@good.lab.test")  # OAuth: the client secret and a token
    secrets = ["lab-password-sap-sbx", scenario("prd-oauth2-healthy").app.secret]
    logged = "\n".join(record.getMessage() + str(record.exc_info or "") for record in caplog.records)
    for secret in secrets:
        assert secret not in logged
        assert base64.b64encode(secret.encode()).decode() not in logged


def test_a_test_send_from_the_page_carries_its_subject_to_the_mailbox(demo):
    run = create_run(
        SapSystem.objects.get(sid="PRD"), trigger="web", send_to="it-ops@good.lab.test", subject="Dunning run 42"
    )
    execute_run(run.pk)
    record = SentTestMail.objects.get(run=run)
    assert record.subject == "Dunning run 42"
    received = demo.smtp.received(record.message_id)
    assert received is not None and "Subject: Dunning run 42" in received.content.decode()
