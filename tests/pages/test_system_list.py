from __future__ import annotations

import pytest
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from portal.models import MailSetup, SapSystem
from tests.support.pages import finished_run, make_system, many_systems

pytestmark = pytest.mark.django_db


def _page(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_failing_system_shows_a_red_badge_since_its_first_failing_run(client, helpdesk, failing_prd):
    client.force_login(helpdesk)
    page = _page(client)
    assert "badge-red" in page
    first_failure = DiagnosticRun.objects.filter(verdict="failed").order_by("finished_at").first().finished_at
    assert f"since {timezone.localtime(first_failure):%d %b %H:%M}" in page


def test_a_system_never_checked_is_unknown(client, helpdesk, prd):
    client.force_login(helpdesk)
    assert "badge-unknown" in _page(client)


def test_an_unfinished_or_aborted_run_does_not_change_the_health(client, helpdesk, prd):
    finished_run(prd, "passed")
    DiagnosticRun.objects.create(system=prd, option="oauth2", trigger="web", state="aborted", verdict="error")
    DiagnosticRun.objects.create(system=prd, option="oauth2", trigger="web", state="running")
    client.force_login(helpdesk)
    assert "badge-green" in _page(client)


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=prd", "PRD/100", "DEV/200"),
        ("q=invoices", "DEV/200", "PRD/100"),
        ("q=relay.contoso", "DEV/200", "PRD/100"),
        ("q=sap-prd@", "PRD/100", "DEV/200"),
        ("option=direct_send", "DEV/200", "PRD/100"),
        ("option=none", "QAS/300", "PRD/100"),
        ("role=DEV", "DEV/200", "PRD/100"),
        ("health=red", "PRD/100", "DEV/200"),
        ("health=unknown", "DEV/200", "PRD/100"),
        ("zone=dmz", "DEV/200", "PRD/100"),
    ],
)
def test_search_and_filters_narrow_the_list(client, helpdesk, failing_prd, query, shown, hidden):
    dev = make_system("DEV", "200", option="direct_send", description="Invoices", role="DEV", zone="dmz")
    MailSetup.objects.filter(system=dev).update(smtp_host="relay.contoso.com")
    make_system("QAS", "300", option=None, role="QAS")
    client.force_login(helpdesk)
    page = _page(client, f"/?{query}")
    assert shown in page
    assert hidden not in page


def test_bad_filter_values_show_the_list_instead_of_an_error(client, helpdesk, prd):
    client.force_login(helpdesk)
    page = _page(client, "/?health=purple&option=x&role=ZZZ&page=abc&q=" + "x" * 500)
    assert "PRD/100" in page


def test_htmx_requests_get_only_the_rows(client, helpdesk, prd):
    client.force_login(helpdesk)
    page = client.get("/?q=PRD", headers={"HX-Request": "true"}).content.decode()
    assert page.lstrip().startswith('<div id="system-rows">')
    assert "<html" not in page


def test_pages_keep_the_filters(client, helpdesk):
    SapSystem.objects.bulk_create(SapSystem(sid=f"A{i:02d}", client="100", role="DEV") for i in range(60))
    client.force_login(helpdesk)
    page = _page(client, "/?role=DEV")
    assert "Page 1 of 2" in page
    assert "?role=DEV&amp;page=2" in page


@pytest.mark.parametrize("count", [1, 200])
def test_the_list_takes_the_same_few_queries_for_1_or_200_systems(
    client, helpdesk, django_assert_max_num_queries, count
):
    many_systems(count)
    client.force_login(helpdesk)
    with django_assert_max_num_queries(6):
        page = _page(client, "/?health=red")
    assert page.count("badge-red") == min(count, 50)
