from __future__ import annotations

import pytest

from diagnostics.models import CheckResult, DiagnosticRun
from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db


def test_the_health_tab_shows_each_check_with_code_summary_remedy_and_evidence(client, helpdesk, failing_prd):
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/").content.decode()
    assert "AADSTS7000222" in page
    assert "The client secret expired" in page
    assert "Basis must renew the client secret in Entra ID" in page
    assert "<details>" in page
    assert "never-show-me" not in page


def test_the_history_marks_where_the_status_changed(client, helpdesk, failing_prd):
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/").content.decode()
    assert page.count("status changed") == 1


def test_the_evidence_of_an_older_run_is_on_its_own_page(client, helpdesk, failing_prd):
    run = DiagnosticRun.objects.filter(verdict="failed").order_by("finished_at").first()
    client.force_login(helpdesk)
    page = client.get(f"/systems/PRD/100/runs/{run.pk}/").content.decode()
    assert "POST /token -&gt; 401 invalid_client" in page


def test_a_running_run_polls_every_second_and_a_finished_one_stops_polling(client, helpdesk, prd):
    run = DiagnosticRun.objects.create(
        system=prd, option="oauth2", trigger="web", state="running", planned_checks=["dns.mx", "smtp.auth"]
    )
    CheckResult.objects.create(run=run, key="dns.mx", status="pass", summary="MX found", position=0)
    client.force_login(helpdesk)
    url = f"/systems/PRD/100/runs/{run.pk}/"
    polling = client.get(url, headers={"HX-Request": "true"})
    assert polling.status_code == 200
    fragment = polling.content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert "1 of 2 checks done" in fragment
    assert "pending" in fragment
    DiagnosticRun.objects.filter(pk=run.pk).update(state="done", verdict="passed")
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert "hx-trigger" not in done.content.decode()


def test_a_run_of_another_system_is_a_404(client, helpdesk, prd):
    other = finished_run(make_system("DEV", "200"), "passed")
    client.force_login(helpdesk)
    assert client.get(f"/systems/PRD/100/runs/{other.pk}/").status_code == 404


def test_run_checks_creates_a_queued_run_and_shows_its_page(
    client, helpdesk, prd, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("portal.tasks.run_diagnosis_task.apply_async", lambda **kw: sent.append(kw))
    client.force_login(helpdesk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/systems/PRD/100/runs/")
    run = DiagnosticRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/systems/PRD/100/runs/{run.pk}/"
    assert run.state == "queued" and run.trigger == "web" and run.requested_by == helpdesk
    assert sent == [{"args": [run.pk], "queue": "default"}]
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page


def test_run_checks_without_a_setup_says_what_to_do(client, helpdesk):
    make_system("DEV", "200", option=None)
    client.force_login(helpdesk)
    page = client.post("/systems/DEV/200/runs/", follow=True).content.decode()
    assert "has no mail setup" in page
    assert not DiagnosticRun.objects.exists()


def test_run_checks_is_a_post_only_and_needs_the_permission(client, manager, prd):
    client.force_login(manager)
    assert client.post("/systems/PRD/100/runs/").status_code == 403
    assert client.get("/systems/PRD/100/runs/").status_code in (403, 405)


def test_run_checks_from_htmx_answers_with_the_polling_fragment(client, helpdesk, prd, monkeypatch):
    monkeypatch.setattr("portal.views.runs.enqueue_run", lambda run: None)
    client.force_login(helpdesk)
    response = client.post("/systems/PRD/100/runs/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="run-status"')
    assert 'hx-trigger="every 1s"' in fragment


def test_the_system_header_says_since_when_it_fails(client, helpdesk, failing_prd):
    from django.utils import timezone

    first = DiagnosticRun.objects.filter(verdict="failed").order_by("finished_at").first().finished_at
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/").content.decode()
    assert f"since {timezone.localtime(first):%d %b %Y %H:%M}" in page
    assert "badge-red" in page


@pytest.mark.parametrize("runs", [1, 50])
def test_the_health_tab_and_its_polling_take_a_bounded_number_of_queries(
    client, helpdesk, prd, django_assert_max_num_queries, runs
):
    for _ in range(runs):
        run = finished_run(prd, "failed", key="oauth.token")
        for position in range(1, 15):
            CheckResult.objects.create(run=run, key=f"check.{position}", status="pass", summary="ok", position=position)
    client.force_login(helpdesk)
    with django_assert_max_num_queries(11):  # 9, and the 30-day timeline: its runs, the share of checks passed
        assert client.get("/systems/PRD/100/").status_code == 200
    with django_assert_max_num_queries(8):  # the finished fragment also refreshes the header's badge: one query
        assert client.get(f"/systems/PRD/100/runs/{run.pk}/", headers={"HX-Request": "true"}).status_code == 286


def test_an_aborted_run_says_why(client, helpdesk, prd):
    run = DiagnosticRun.objects.create(system=prd, option="oauth2", trigger="web", state="aborted", verdict="error",
                                       note="The worker stopped answering.")  # fmt: skip
    client.force_login(helpdesk)
    page = client.get(f"/systems/PRD/100/runs/{run.pk}/").content.decode()
    assert "The run was aborted</strong>: The worker stopped answering." in page


def test_a_finished_run_also_updates_the_headers_badge_out_of_band(client, helpdesk, prd):
    from diagnostics.models import DiagnosticRun

    run = DiagnosticRun.objects.create(system=prd, option="oauth2", trigger="web", state="done", verdict="failed")
    client.force_login(helpdesk)
    response = client.get(f"/systems/PRD/100/runs/{run.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 286
    fragment = response.content.decode()
    assert 'id="health-line" hx-swap-oob="true"' in fragment
    assert "Red" in fragment.split('id="health-line"')[1]


def test_the_health_tab_tells_the_failures_first_and_folds_the_passing_checks(client, helpdesk, prd):
    run = DiagnosticRun.objects.create(
        system=prd, option="oauth2", trigger="web", state="done", verdict="failed",
        planned_checks=["dns.host", "tcp.connect", "dmarc.record", "oauth.token", "smtp.auth"],
    )  # fmt: skip
    for position, (key, status, code) in enumerate(
        [
            ("dns.host", "pass", ""),
            ("tcp.connect", "pass", ""),
            ("dmarc.record", "warn", "dmarc.missing"),
            ("oauth.token", "fail", "AADSTS7000222"),
            ("smtp.auth", "skipped", ""),
        ]  # fmt: skip
    ):
        CheckResult.objects.create(run=run, key=key, status=status, code=code, summary=f"{key} said so",
                                   remedy=f"fix {key}", position=position)  # fmt: skip
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/").content.decode()
    order = [page.index(f'id="check-{key}"') for key in ("oauthtoken", "dmarcrecord", "dnshost", "tcpconnect")]
    assert order == sorted(order)  # the failure, then the warning, then the rest in plan order
    assert "1 check fails" in page and "1 check warns" in page
    folded = page[page.index('<details class="folded-checks"') :]
    assert folded.startswith('<details class="folded-checks">')  # closed: the passing rows wait
    assert "<summary>2 checks passed, 1 skipped</summary>" in folded
    assert "What to do:</strong> fix oauth.token" in page
    assert 'because <span class="reason">Token: <code>AADSTS7000222</code> The client secret has expired' in page


def test_check_keys_and_codes_carry_their_definition_for_hover_and_focus(client, helpdesk, failing_prd):
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/").content.decode()
    assert 'tabindex="0" aria-describedby="tip-oauth.token"><code class="key">oauth.token</code>' in page
    assert "OAuth token: a short-lived pass from Entra ID" in page
    assert 'aria-describedby="tip-code-oauth.token"><code class="code">AADSTS7000222</code>' in page
    assert "(its client secret) has expired." in page


def test_a_test_send_that_never_went_out_names_the_check_that_blocked_it(client, basis_admin, prd):
    run = finished_run(prd, "failed", key="oauth.token", code="AADSTS7000222", summary="expired")
    DiagnosticRun.objects.filter(pk=run.pk).update(send_to="it@contoso.com")
    client.force_login(basis_admin)
    page = client.get(f"/systems/PRD/100/test-send/?run={run.pk}").content.decode()
    assert "No message was sent: the check <code>oauth.token</code> blocks it" in page
    assert "Token: <code>AADSTS7000222</code> The client secret has expired" in page
