from __future__ import annotations

import re

import pytest
from django.utils import timezone

from diagnostics.models import CheckResult, DiagnosticRun
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
    assert f"since {timezone.localtime(first_failure):%d %b %Y %H:%M}" in page


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


def test_the_why_column_gives_the_first_failing_checks_short_reason(client, helpdesk, failing_prd):
    client.force_login(helpdesk)
    page = _page(client)
    assert '<th scope="col" class="col-why">Why</th>' in page
    assert "Token: <code>AADSTS7000222</code> The client secret has expired" in page


def test_a_failure_comes_before_a_warning_of_the_same_run(client, helpdesk, prd):
    run = finished_run(prd, "failed", key="secret.expiry", status="warn", code="secret.expires_soon",
                       summary="The client secret expires in 5 days")  # fmt: skip
    CheckResult.objects.create(run=run, key="tcp.connect", status="fail", code="tcp.timeout", summary="No answer",
                               position=3)  # fmt: skip
    client.force_login(helpdesk)
    assert "Connection: <code>tcp.timeout</code> No answer to the connection attempt" in _page(client)


def test_the_list_starts_with_the_most_urgent_then_production_first(client, helpdesk):
    finished_run(make_system("AAA", "100", role="PRD"), "passed")
    finished_run(make_system("BBB", "100", role="DEV"), "failed", key="tcp.connect", code="tcp.refused")
    finished_run(make_system("CCC", "100", role="PRD"), "failed", key="tcp.connect", code="tcp.refused")
    finished_run(make_system("DDD", "100", role="QAS"), "warning", key="dmarc.record", code="dmarc.missing")
    make_system("EEE", "100", role="SBX")
    client.force_login(helpdesk)
    page = _page(client)
    order = [sid for sid in re.findall(r">([A-Z]{3})/100</a>", page)]
    assert order == ["CCC", "BBB", "DDD", "EEE", "AAA"]
    assert "most urgent first" in page


def test_a_column_heading_sorts_and_a_second_click_reverses(client, helpdesk):
    for sid, release in (("AAA", 740), ("BBB", 816), ("CCC", 750)):
        make_system(sid, "100", basis_release=release)
    client.force_login(helpdesk)
    page = _page(client, "/?sort=release")
    assert re.findall(r">([A-Z]{3})/100</a>", page) == ["AAA", "CCC", "BBB"]
    assert 'aria-sort="ascending"' in page and 'href="?sort=-release"' in page
    page = _page(client, "/?role=PRD&sort=-release")
    assert re.findall(r">([A-Z]{3})/100</a>", page) == ["BBB", "CCC", "AAA"]
    assert 'href="?role=PRD&amp;sort=release"' in page  # the filters stay when the order changes
    assert 'name="sort" form="system-filters" value="-release"' in page  # and the order stays when filtering


def _failing_systems_with_reasons(count: int) -> None:
    many_systems(count)
    CheckResult.objects.bulk_create(
        CheckResult(run=run, key="oauth.token", status="fail", code="AADSTS7000222", summary="expired")
        for run in DiagnosticRun.objects.filter(verdict="failed")
    )


@pytest.mark.parametrize("count", [1, 200])
def test_the_why_column_needs_no_query_of_its_own(client, helpdesk, django_assert_max_num_queries, count):
    _failing_systems_with_reasons(count)
    client.force_login(helpdesk)
    with django_assert_max_num_queries(6):
        page = _page(client, "/?health=red")
    assert page.count("The client secret has expired") == min(count, 50)


def test_a_sort_that_is_not_a_column_sorts_by_health_and_keeps_the_filters(client, helpdesk, failing_prd):
    make_system("DEV", "200", role="DEV")
    client.force_login(helpdesk)
    page = _page(client, "/?role=PRD&sort=--nonsense")
    assert "PRD/100" in page and "DEV/200" not in page
    assert "most urgent first" in page
