from __future__ import annotations

import pytest

from diagnostics.models import DiagnosticRun
from diagnostics.models import TestSend as SentMessage

pytestmark = pytest.mark.django_db


def test_a_test_send_queues_a_run_with_the_recipient(
    client, basis_admin, prd, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("portal.tasks.run_diagnosis_task.apply_async", lambda **kw: None)
    client.force_login(basis_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/systems/PRD/100/test-send/", {"recipient": "it@contoso.com"})
    run = DiagnosticRun.objects.get()
    assert run.send_to == "it@contoso.com"
    assert response["Location"] == f"/systems/PRD/100/test-send/?run={run.pk}"


def test_the_result_shows_the_redacted_transcript(client, basis_admin, prd):
    run = DiagnosticRun.objects.create(system=prd, option="oauth2", trigger="web", state="done", verdict="passed",
                                       send_to="it@contoso.com")  # fmt: skip
    SentMessage.objects.create(run=run, recipient="it@contoso.com", subject="Test", accepted=True, queue_id="ABC123",
                            transcript="C: AUTH XOAUTH2 [redacted]\nS: 235 2.7.0 Authentication successful")  # fmt: skip
    client.force_login(basis_admin)
    page = client.get(f"/systems/PRD/100/test-send/?run={run.pk}").content.decode()
    assert "235 2.7.0 Authentication successful" in page
    assert "ABC123" in page


@pytest.mark.parametrize("recipient", ["", "not an address", "x" * 300])
def test_a_bad_recipient_re_renders_the_form(client, basis_admin, prd, recipient):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/test-send/", {"recipient": recipient})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not DiagnosticRun.objects.exists()


def test_a_bad_run_number_is_a_404_not_an_error(client, basis_admin, prd):
    client.force_login(basis_admin)
    assert client.get("/systems/PRD/100/test-send/?run=99999").status_code == 404
    assert client.get("/systems/PRD/100/test-send/?run=abc").status_code == 200


def test_only_basis_admins_send_test_mail(client, helpdesk, manager, prd):
    for user in (helpdesk, manager):
        client.force_login(user)
        assert client.get("/systems/PRD/100/test-send/").status_code == 403
        assert client.post("/systems/PRD/100/test-send/", {"recipient": "a@contoso.com"}).status_code == 403


def test_the_subject_is_kept_with_the_run_and_a_multi_line_one_is_refused(
    client, basis_admin, prd, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("portal.tasks.run_diagnosis_task.apply_async", lambda **kw: None)
    client.force_login(basis_admin)
    refused = client.post("/systems/PRD/100/test-send/", {"recipient": "it@contoso.com", "subject": "a\r\nBcc: x@y"})
    assert refused.status_code == 200 and "one line" in refused.content.decode()
    assert not DiagnosticRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/systems/PRD/100/test-send/", {"recipient": "it@contoso.com", "subject": "Invoice run check"})
    assert DiagnosticRun.objects.get().subject == "Invoice run check"
