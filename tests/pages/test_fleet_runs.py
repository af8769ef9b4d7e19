"""'Check all' / 'Check these' on the systems list and the dashboard, and the fleet run's progress."""

from datetime import timedelta

import pytest
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from portal.models import FleetRun
from portal.runs import create_run
from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet():
    return [make_system("PRD"), make_system("QAS", role="QAS"), make_system("DEV", role="DEV"),
            make_system("NEW", option=None)]  # fmt: skip


def _page(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_only_roles_that_may_run_checks_see_check_all(client, basis_admin, helpdesk, manager, fleet):
    for user in (basis_admin, helpdesk):
        client.force_login(user)
        assert "Check all 4 systems" in _page(client)
    client.force_login(manager)
    assert "Check all" not in _page(client)
    assert "Check all" not in _page(client, "/dashboard/")
    assert client.post("/fleet-runs/").status_code == 403
    client.force_login(basis_admin)
    assert "Check all 3 systems" in _page(client, "/dashboard/")  # those with a mail setup


def test_a_filtered_list_offers_check_these_with_its_filters(client, helpdesk, fleet):
    client.force_login(helpdesk)
    page = _page(client, "/?role=QAS")
    assert "Check this system" in page and "Check these" not in page
    assert '<input type="hidden" name="role" value="QAS">' in page


def test_check_these_starts_one_run_per_chosen_system_on_its_zone_queue(client, helpdesk, fleet):
    client.force_login(helpdesk)
    response = client.post("/fleet-runs/", {"role": "PRD"})
    fleet_run = FleetRun.objects.get()
    assert response.status_code == 302 and response.url == f"/fleet-runs/{fleet_run.pk}/"
    run = fleet_run.runs.get()
    assert (str(run.system), run.trigger, run.requested_by, run.state) == ("PRD/100", "web", helpdesk, "queued")
    assert (fleet_run.scope, fleet_run.requested_by) == ("Landscape role Production", helpdesk)


def test_a_system_with_a_run_under_way_joins_it_instead_of_starting_a_second(client, helpdesk, fleet):
    queued = create_run(fleet[0], trigger="web")
    client.force_login(helpdesk)
    client.post("/fleet-runs/")
    client.post("/fleet-runs/")  # a second click: every system has a run under way now
    assert DiagnosticRun.objects.count() == 3  # PRD, QAS, DEV: one each; NEW has no setup
    assert queued in FleetRun.objects.first().runs.all()
    assert all(f.runs.count() == 3 for f in FleetRun.objects.all())


def test_the_progress_says_n_of_n_done_and_failures_so_far_then_stops_polling(client, helpdesk, fleet):
    client.force_login(helpdesk)
    response = client.post("/fleet-runs/", headers={"HX-Request": "true"})
    fleet_run = FleetRun.objects.get()
    page = response.content.decode()
    assert response.status_code == 200 and 'id="fleet-progress"' in page
    assert "0 of 3 done" in page and 'hx-trigger="every 1s"' in page
    first = fleet_run.runs.get(system__sid="QAS")
    DiagnosticRun.objects.filter(pk=first.pk).update(state="done", verdict="failed", finished_at=timezone.now())
    poll = client.get(f"/fleet-runs/{fleet_run.pk}/", headers={"HX-Request": "true"})
    assert poll.status_code == 200
    assert "1 of 3 done" in poll.content.decode() and "1 failing so far" in poll.content.decode()
    fleet_run.runs.exclude(pk=first.pk).update(state="done", verdict="passed", finished_at=timezone.now())
    poll = client.get(f"/fleet-runs/{fleet_run.pk}/", headers={"HX-Request": "true"})
    assert poll.status_code == 286  # HTMX stops polling
    done = poll.content.decode()
    assert "3 of 3 done" in done and "1 failing" in done and "so far" not in done and "every 1s" not in done
    assert "QAS/200" not in done and "QAS/100" in done


def test_without_javascript_the_progress_page_refreshes_itself_until_done(client, helpdesk, fleet):
    client.force_login(helpdesk)
    fleet_run_url = client.post("/fleet-runs/").url
    page = _page(client, fleet_run_url)
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "Checking 3 systems" in page
    DiagnosticRun.objects.update(state="aborted", verdict="error", finished_at=timezone.now(),
                                 note="No worker of zone default picked the run up within 15 minutes.")  # fmt: skip
    page = _page(client, fleet_run_url)
    assert 'http-equiv="refresh"' not in page
    assert "3 could not run" in page and "No worker of zone default picked the run up" in page


def test_a_manager_may_follow_a_fleet_run_but_not_start_one(client, helpdesk, manager, fleet):
    client.force_login(helpdesk)
    url = client.post("/fleet-runs/").url
    client.force_login(manager)
    assert "Checking 3 systems" in _page(client, url)
    assert client.get("/fleet-runs/999/").status_code == 404


def test_a_fleet_of_systems_none_of_which_has_a_setup_says_there_was_nothing_to_check(client, helpdesk, fleet):
    client.force_login(helpdesk)
    page = _page(client, client.post("/fleet-runs/", {"option": "none"}).url)
    assert "nothing to check" in page


def test_a_list_with_no_system_offers_no_fleet_check(client, helpdesk, fleet):
    client.force_login(helpdesk)
    page = _page(client, "/?q=NOTHING-MATCHES")
    assert "No system matches these filters." in page and "Check these" not in page


def test_filters_the_list_cannot_read_check_nothing_rather_than_everything(client, helpdesk, fleet):
    client.force_login(helpdesk)
    answer = client.post("/fleet-runs/", {"health": "purple", "role": "PRD"}, follow=True)
    assert "Nothing was checked: the list&#x27;s filters were not understood (Health:" in answer.content.decode()
    assert not FleetRun.objects.exists() and not DiagnosticRun.objects.exists()
    answer = client.post("/fleet-runs/", {"health": "purple"}, headers={"HX-Request": "true"})
    assert answer.headers["HX-Redirect"] == "/" and not FleetRun.objects.exists()


def test_the_dashboard_counts_overdue_systems_and_names_silent_zones(client, basis_admin, fleet):
    finished_run(fleet[0], "passed", at=timezone.now() - timedelta(hours=2))  # PRD: 15 min, so overdue
    finished_run(fleet[1], "passed", at=timezone.now() - timedelta(minutes=10))
    client.force_login(basis_admin)
    page = _page(client, "/dashboard/")
    assert "1 system overdue" in page
    assert "overdue for a check" in page  # Health.STALE counted among the health states
