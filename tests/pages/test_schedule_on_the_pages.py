"""A system's schedule on its pages: the interval on the Configuration tab, the next check and the back-off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from portal.models import AuditEvent, MailSetup, SapSystem
from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def prd() -> SapSystem:
    system = make_system("PRD")
    MailSetup.objects.filter(system=system).update(updated_at=timezone.now() - timedelta(days=1))
    return system


def test_the_configuration_tab_sets_the_systems_own_interval_and_audits_it(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert "Check every (minutes)" in page and "Empty: the default for its landscape role, 15 min." in page
    response = client.post("/systems/PRD/100/configuration/schedule/", {"check_interval": "45"})
    assert response.status_code == 302 and response.url == "/systems/PRD/100/configuration/"
    prd.refresh_from_db()
    assert prd.check_interval == 45
    assert AuditEvent.objects.get(action="system.updated").changes == {"check_interval": [None, 45]}
    assert "every 45 min." in client.get("/systems/PRD/100/configuration/").content.decode()
    client.post("/systems/PRD/100/configuration/schedule/", {"check_interval": ""})
    prd.refresh_from_db()
    assert prd.check_interval is None


@pytest.mark.parametrize("typed", ["4", "99999", "１５", "ten"])
def test_a_bad_interval_is_refused_beside_the_field_and_nothing_is_saved(client, basis_admin, prd, typed):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/configuration/schedule/", {"check_interval": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The schedule was not saved" in page and 'class="error" id="id_check_interval_error"' in page
    prd.refresh_from_db()
    assert prd.check_interval is None and not AuditEvent.objects.exists()


@pytest.mark.parametrize("typed", ["99999999999999999999", "-5", "0"])
def test_an_interval_out_of_range_names_the_range_and_the_page_still_answers(client, basis_admin, prd, typed):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/configuration/schedule/", {"check_interval": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose from 5 to 10080 minutes (7 days)" in page
    assert "every 15 min (the default for its landscape role)" in page  # the stored schedule, not the refused one
    prd.refresh_from_db()
    assert prd.check_interval is None


def test_a_fraction_of_a_minute_is_refused_in_minutes_words(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.post("/systems/PRD/100/configuration/schedule/", {"check_interval": "15.5"}).content.decode()
    assert "Write whole minutes with the digits 0-9 only, e.g. 30." in page and "587" not in page


def test_only_those_who_edit_the_setup_may_change_the_schedule(client, helpdesk, prd):
    client.force_login(helpdesk)
    assert client.post("/systems/PRD/100/configuration/schedule/", {"check_interval": "5"}).status_code == 403


def test_the_health_tab_shows_the_next_scheduled_check(client, helpdesk, prd):
    # Checked just now: its next slot lies ahead (a minute ago, the slot could fall in that minute: "due now").
    finished_run(prd, "passed")
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/").content.decode()
    assert "Next scheduled check at" in page and "every 15 min (the default for its landscape role)" in page


def test_the_health_tab_shows_the_back_off_after_a_failed_sign_in(client, helpdesk, prd):
    run = finished_run(prd, "failed", at=timezone.now() - timedelta(minutes=5), key="oauth.token", code="AADSTS50126")
    finished_run(prd, "failed", at=timezone.now() - timedelta(minutes=70), key="oauth.token", code="AADSTS50126")
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/").content.decode()
    assert "backing off after a failed sign-in" in page
    assert "failed 2 times in a row" in page and "scheduled checks wait 4 h" in page
    assert "AADSTS50126" in page
    # A person presses Run checks: the back-off no longer holds the schedule once their run signs in.
    DiagnosticRun.objects.create(system=prd, option="oauth2", trigger="web", state="done", verdict="passed",
                                 finished_at=timezone.now(), started_at=run.finished_at)  # fmt: skip
    assert "backing off" not in client.get("/systems/PRD/100/").content.decode()
