from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from diagnostics.runner import stale_after
from tests.support.pages import finished_run, make_system, many_systems

pytestmark = pytest.mark.django_db


def test_a_failing_card_says_in_plain_words_what_is_wrong_who_fixes_it_and_since_when(client, helpdesk, failing_prd):
    first = DiagnosticRun.objects.filter(verdict="failed").order_by("finished_at").first().finished_at
    client.force_login(helpdesk)
    page = client.get("/helpdesk/?q=PRD").content.decode()
    assert "Mail from PRD/100 is not being sent" in page
    assert "The password the SAP system uses to sign in to Microsoft 365 (its client secret) has expired." in page
    assert "<dt>Who fixes it</dt><dd>The SAP Basis team</dd>" in page
    assert f"<dt>Failing since</dt><dd>{timezone.localtime(first):%d %b %Y %H:%M}</dd>" in page
    technical = page[page.index('<details class="technical">') :].split("</details>")[0]  # one click away
    assert "AADSTS7000222" in technical and "The client secret expired" in technical
    assert "Basis must renew the client secret in Entra ID" in technical
    assert "Run checks again" in page


def test_a_working_system_says_so_with_its_owner(client, helpdesk):
    finished_run(make_system("QAS", "300", owner="Jane Basis", contact_email="jane@contoso.com"), "passed")
    client.force_login(helpdesk)
    page = client.get("/helpdesk/?q=qas").content.decode()
    assert "Mail from QAS/300 works" in page
    assert '<dt>Escalate to</dt><dd>Jane Basis <a href="mailto:jane@contoso.com">' in page


def test_the_ticket_text_has_system_what_fails_since_code_who_fixes_it_and_a_link(client, helpdesk, failing_prd):
    failing_prd.owner, failing_prd.contact_email = "Jane Basis", "jane@contoso.com"
    failing_prd.save()
    first = DiagnosticRun.objects.filter(verdict="failed").order_by("finished_at").first().finished_at
    client.force_login(helpdesk)
    page = client.get("/helpdesk/?q=PRD").content.decode()
    ticket = html.unescape(page[page.index('<textarea id="ticket-PRD-100"') :].split(">", 1)[1].split("</textarea>")[0])
    assert ticket.splitlines() == [
        "Mail from PRD/100 is not being sent (PRD system).",
        "What fails: The password the SAP system uses to sign in to Microsoft 365 (its client secret) has expired.",
        f"Since: {timezone.localtime(first):%d %b %Y %H:%M}",
        "Check: Token (oauth.token), code AADSTS7000222",
        "Who fixes it: the SAP Basis team",
        "System owner: Jane Basis <jane@contoso.com>",
        "Link: http://testserver/systems/PRD/100/",
    ]


def test_cards_come_red_first_then_amber_then_the_rest(client, helpdesk):
    finished_run(make_system("AAA", "100"), "passed")
    finished_run(make_system("BBB", "100"), "warning", key="dmarc.record", code="dmarc.missing")
    finished_run(make_system("CCC", "100"), "failed", key="tcp.connect", code="tcp.timeout")
    make_system("DDD", "100")
    client.force_login(helpdesk)
    page = client.get("/helpdesk/").content.decode()
    assert re.findall(r'id="card-([A-Z]{3})-100"', page) == ["CCC", "BBB", "DDD", "AAA"]


def test_a_manager_sees_cards_without_the_run_button(client, manager, failing_prd):
    client.force_login(manager)
    page = client.get("/helpdesk/").content.decode()
    assert "Mail from PRD/100 is not being sent" in page
    assert "Run checks again" not in page


def test_run_checks_again_answers_with_the_card_that_follows_the_run(client, helpdesk, failing_prd, monkeypatch):
    monkeypatch.setattr("portal.views.runs.enqueue_run", lambda run: None)
    client.force_login(helpdesk)
    response = client.post("/systems/PRD/100/runs/", {"back": "helpdesk"}, headers={"HX-Request": "true"})
    card = response.content.decode()
    assert response.status_code == 200 and card.lstrip().startswith('<article class="card health-card health-red"')
    assert 'hx-get="/helpdesk/cards/PRD/100/" hx-trigger="every 1s"' in card and "Checking now" in card
    still = client.get("/helpdesk/cards/PRD/100/", headers={"HX-Request": "true"})
    assert still.status_code == 200 and "every 1s" in still.content.decode()
    run = DiagnosticRun.objects.latest("created_at")
    run.state, run.verdict, run.finished_at = "done", "passed", timezone.now()
    run.save()
    done = client.get("/helpdesk/cards/PRD/100/", headers={"HX-Request": "true"})
    assert done.status_code == 286  # polling stops with the new verdict in place
    assert "Mail from PRD/100 works" in done.content.decode() and "hx-trigger" not in done.content.decode()


def test_a_card_following_a_run_whose_worker_went_silent_hands_the_run_to_a_worker_again(
    client, helpdesk, failing_prd, monkeypatch
):
    handed: list[DiagnosticRun] = []
    monkeypatch.setattr("portal.views.runs.enqueue_run", lambda run: None)
    monkeypatch.setattr("portal.views.helpdesk.enqueue_run", handed.append)
    client.force_login(helpdesk)
    client.post("/systems/PRD/100/runs/", {"back": "helpdesk"}, headers={"HX-Request": "true"})
    run = DiagnosticRun.objects.latest("created_at")
    silent_since = timezone.now() - stale_after() - timedelta(seconds=1)
    DiagnosticRun.objects.filter(pk=run.pk).update(
        state="running", started_at=silent_since, heartbeat_at=silent_since, attempts=1
    )
    card = client.get("/helpdesk/cards/PRD/100/", headers={"HX-Request": "true"})
    run.refresh_from_db()
    assert run.state == "queued" and handed == [run]  # not left "running" for ever
    assert card.status_code == 200 and "Checking now" in card.content.decode()  # the card keeps following it


def test_without_javascript_run_checks_again_comes_back_to_the_card(client, helpdesk, failing_prd, monkeypatch):
    monkeypatch.setattr("portal.views.runs.enqueue_run", lambda run: None)
    client.force_login(helpdesk)
    response = client.post("/systems/PRD/100/runs/", {"back": "helpdesk"})
    assert response.status_code == 302 and response["Location"] == "/helpdesk/?q=PRD#card-PRD-100"


def test_htmx_search_returns_only_the_cards(client, helpdesk, prd):
    client.force_login(helpdesk)
    fragment = client.get("/helpdesk/?q=zzz", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="helpdesk-cards"')
    assert "No system matches" in fragment


@pytest.mark.parametrize("count", [1, 200])
def test_the_helpdesk_view_takes_a_bounded_number_of_queries(client, helpdesk, django_assert_max_num_queries, count):
    many_systems(count)
    client.force_login(helpdesk)
    with django_assert_max_num_queries(6):
        assert client.get("/helpdesk/").status_code == 200
