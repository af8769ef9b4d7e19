"""The runbook (issue 13): a tick box per step of the guide, who ticked it and when, the checks ticking and
unticking the steps they verify, and a new runbook when the option changes."""

from __future__ import annotations

import pytest
from django.db import connection

from diagnostics.models import CheckResult, DiagnosticRun
from portal import runbooks
from portal.models import AuditEvent, Runbook, RunbookTick, SapSystem
from portal.runbooks import record_run
from tests.support.pages import make_system, many_systems

pytestmark = pytest.mark.django_db


def _run(system, option: str, **statuses: str) -> DiagnosticRun:
    """A finished run of ``option`` with one result per check key (``smtp_auth="fail"`` for smtp.auth)."""
    run = DiagnosticRun.objects.create(system=system, option=option, trigger="schedule", state="done", verdict="failed")
    for position, (key, status) in enumerate(statuses.items()):
        CheckResult.objects.create(run=run, key=key.replace("_", ".", 1), status=status, position=position,
                                   code="5.7.139" if status == "fail" else "", summary=f"{key} {status}")  # fmt: skip
    return run


def test_a_basis_admin_ticks_a_step_and_the_header_and_list_count_it(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/steps/").content.decode()
    total = Runbook.objects.get(system=prd).step_count
    assert f"0 of {total} steps done" in page and 'aria-pressed="false"' in page
    response = client.post("/systems/PRD/100/steps/entra.app_registration/done/", {"done": "1"})
    assert response.status_code == 302 and response.url.endswith("#step-entraapp_registration")
    tick = RunbookTick.objects.get(step="entra.app_registration")
    assert tick.done and tick.by == basis_admin
    event = AuditEvent.objects.get(action="runbook.ticked")
    assert event.actor == basis_admin and "done" in event.changes["runbook_step"][1]
    assert f"1 of {total} steps done" in client.get("/systems/PRD/100/").content.decode()  # the header
    assert f"1 of {total} steps done" in client.get("/").content.decode()  # the list
    client.post("/systems/PRD/100/steps/entra.app_registration/done/", {"done": "0"})
    assert not RunbookTick.objects.get(step="entra.app_registration").done
    assert AuditEvent.objects.filter(action="runbook.unticked").count() == 1


def test_a_step_that_is_not_in_the_guide_changes_nothing(client, basis_admin, prd):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/steps/no.such_step/done/", {"done": "1"}, follow=True)
    assert "no longer in this system" in response.content.decode()
    assert not RunbookTick.objects.exists()


def test_managers_read_the_runbook_but_cannot_tick(client, manager, prd):
    client.force_login(manager)
    assert client.post("/systems/PRD/100/steps/entra.app_registration/done/", {"done": "1"}).status_code == 403
    page = client.get("/systems/PRD/100/steps/").content.decode()
    assert "☐ Not done" in page and "<button" not in page.split('class="tick')[1].split("</div>")[0]


def test_a_passing_check_ticks_its_steps_and_a_failing_one_unticks_with_a_note(prd):
    book = runbooks.sync(prd)
    runbooks.tick(prd, "exchange.mailbox_permission", True, user=None)
    record_run(_run(prd, "oauth2", oauth_token="pass", smtp_auth="fail"))
    ticks = {tick.step: tick for tick in RunbookTick.objects.filter(runbook=book)}
    assert ticks["entra.app_registration"].done  # verified by oauth.token
    assert "Ticked by the check" in ticks["entra.app_registration"].note
    assert not ticks["exchange.mailbox_permission"].done  # verified by smtp.auth, which failed
    assert "failed in run" in ticks["exchange.mailbox_permission"].note
    assert "5.7.139" in ticks["exchange.mailbox_permission"].note
    assert AuditEvent.objects.filter(action="runbook.unticked", source=AuditEvent.Source.RUN).exists()
    book.refresh_from_db()
    assert book.done_count == sum(tick.done for tick in ticks.values())


def test_a_run_of_another_option_or_an_unfinished_run_ticks_nothing(prd):
    runbooks.sync(prd)
    record_run(_run(prd, "smtp_basic", oauth_token="pass"))
    aborted = _run(prd, "oauth2", oauth_token="pass")
    DiagnosticRun.objects.filter(pk=aborted.pk).update(state="aborted")
    aborted.refresh_from_db()
    record_run(aborted)
    record_run(None)
    assert not RunbookTick.objects.exists()


def test_a_migration_step_is_not_ticked_by_a_check_on_the_old_route():
    basic = make_system("DEV", "300", option="smtp_basic")
    book = runbooks.sync(basic)
    assert {step["key"]: step["check"] for step in book.steps}["migrate.cutover"] == ""
    record_run(_run(basic, "smtp_basic", smtp_auth="pass", smtp_envelope="pass"))
    done = set(RunbookTick.objects.filter(done=True).values_list("step", flat=True))
    assert "current.smtp_auth" in done and not any(step.startswith("migrate.") for step in done)


def test_changing_the_option_starts_a_new_runbook_and_keeps_the_old_one(client, basis_admin):
    system = make_system("DEV", "300", option="smtp_basic")
    runbooks.tick(system, "current.smtp_auth", True, user=basis_admin)
    client.force_login(basis_admin)
    response = client.post("/systems/DEV/300/configuration/", {
        "option": "oauth2", "cloud": "global", "smtp_host": "smtp.office365.com", "smtp_port": "587",
        "tls": "starttls", "sender": "sap-dev@contoso.com", "mailbox": "sap-dev@contoso.com",
        "tenant": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
        "credential": "secret", "secret_action": "keep",
    })  # fmt: skip
    assert response.status_code == 302
    old, new = Runbook.objects.order_by("started_at", "id")
    assert (old.option, old.closed_at is not None, old.done_count) == ("smtp_basic", True, 1)
    assert (new.option, new.closed_at, new.done_count) == ("oauth2", None, 0)
    page = client.get("/systems/DEV/300/steps/").content.decode()
    assert "Earlier runbooks (1)" in page and "SMTP AUTH with Basic authentication (retiring): 1 of" in page


@pytest.mark.parametrize("count", [1, 200])
def test_the_list_shows_runbook_progress_without_a_query_per_row(client, manager, django_assert_max_num_queries, count):
    many_systems(count)
    for system in SapSystem.objects.all()[:5]:
        runbooks.sync(system)
    client.force_login(manager)
    assert connection.features.supports_json_field  # Django probes this once per connection (3 queries): not ours
    with django_assert_max_num_queries(6):
        page = client.get("/").content.decode()
    assert page.count("steps done") == min(count, 5)
