from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from portal import runbooks
from portal.models import SapSystem
from tests.support.fleet import MOVED_HEALTHY, ON_BASIC, diagnosed_demo
from tests.support.pages import finished_run, make_system, many_systems

pytestmark = pytest.mark.django_db


@pytest.fixture
def landscape(failing_prd):
    make_system("DEV", "200", option="smtp_basic", role="DEV", basis_release=740, product="ecc")
    make_system("QAS", "300", option="direct_send", role="QAS")
    finished_run(make_system("SBX", "400", option=None, role="SBX"), "passed")


def _numbers(page: str) -> dict[str, int]:
    """The four numbers as the headline links them: {progress value: count}."""
    found = re.findall(r'href="/\?progress=(\w+)"><strong>(\d+)</strong>', page)
    return {state: int(count) for state, count in found}


def test_the_headline_tells_the_fixed_demo_as_it_is(client, manager):
    diagnosed_demo()
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    assert _numbers(page) == {"moved_healthy": 7, "moved_failing": 8, "on_basic": 3, "not_set_up": 0}
    assert "38% <span" in page  # 7 of 18 moved and work (83 % counted only who stopped using a password)
    assert "(2 with warnings)" in page  # GRC and EWM are amber: they work, and the warning is said


def test_each_number_links_to_the_systems_list_filtered_to_it(client, manager):
    diagnosed_demo()
    client.force_login(manager)
    listed = {}
    for state in ("moved_healthy", "on_basic", "moved_failing"):
        page = client.get(f"/?progress={state}").content.decode()
        listed[state] = set(re.findall(r'<a href="/systems/(\w{3})/(\d{3})/">', page))
    assert {f"{sid}/{client}" for sid, client in listed["moved_healthy"]} == MOVED_HEALTHY
    assert {f"{sid}/{client}" for sid, client in listed["on_basic"]} == ON_BASIC
    assert len(listed["moved_failing"]) == 8


def test_a_system_without_a_setup_and_a_relay_that_signs_in_with_a_password_are_not_moved(client, manager):
    make_system("NEW", "100", option=None)
    relay = make_system("REL", "100", option="relay_server")
    relay.mail_setup.upstream_option = "smtp_basic"
    relay.mail_setup.save()
    finished_run(relay, "passed")
    client.force_login(manager)
    assert _numbers(client.get("/dashboard/").content.decode()) == {
        "moved_healthy": 0, "moved_failing": 0, "on_basic": 1, "not_set_up": 1,
    }  # fmt: skip


def test_the_open_list_shows_every_system_not_yet_moved_and_healthy_with_its_plan(client, manager, landscape):
    SapSystem.objects.filter(sid="DEV").update(
        owner="Team ECC", target_option="direct_send", target_date=timezone.localdate() - timedelta(days=3)
    )
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    open_part = page[page.index('id="open-systems"') :]
    # PRD fails, DEV is on Basic auth, SBX is not set up, QAS moved but was never checked (no proof it works)
    assert "Not yet moved and healthy: 4 systems" in page and "QAS/300" in open_part
    assert "overdue by 3 days" in open_part
    assert open_part.count('<span class="flag flag-plan">no plan</span>') == 3  # all but DEV lack a plan
    assert "Token: <code>AADSTS7000222</code> The client secret has expired" in open_part  # why PRD fails
    assert "SAP_BASIS 7.40 is too old for OAuth" in open_part  # DEV's way out


@override_settings(PORTAL_BASIC_AUTH_MILESTONES=[{"date": "2099-01-01", "what": "Far away", "source": "test"}])
def test_the_countdown_and_each_target_date_are_measured_against_the_milestone(client, manager, landscape):
    SapSystem.objects.filter(sid="DEV").update(target_date=date(2098, 12, 22), target_option="oauth2")
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    assert f"{(date(2099, 1, 1) - timezone.localdate()).days} days" in page
    assert "Far away" in page
    assert "10 days before" in page


def test_a_manager_filters_the_open_list_by_owner_and_role(client, manager, landscape):
    SapSystem.objects.filter(sid="DEV").update(owner="Team ECC")
    SapSystem.objects.filter(sid="SBX").update(owner="Team S4")
    client.force_login(manager)
    page = client.get("/dashboard/?owner=team ecc").content.decode()
    assert "Not yet moved and healthy: 1 system<" in page and "DEV/200" in page
    page = client.get("/dashboard/?role=SBX").content.decode()
    assert "Not yet moved and healthy: 1 system<" in page and "SBX/400" in page
    assert '<option value="Team ECC">Team ECC</option>' in page  # the owners to choose from


def test_the_export_carries_reason_plan_and_runbook(client, manager, landscape):
    SapSystem.objects.filter(sid="DEV").update(owner="Team ECC", target_option="oauth2", target_date=date(2026, 12, 15))
    runbooks.sync(SapSystem.objects.get(sid="DEV"))
    client.force_login(manager)
    response = client.get("/dashboard/export.csv")
    rows = {row["sid"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}
    assert list(rows) == ["DEV", "PRD", "QAS", "SBX"]
    assert rows["PRD"]["health"] == "red" and rows["PRD"]["option"] == "oauth2"
    assert rows["PRD"]["reason"] == "Token: AADSTS7000222 The client secret has expired"
    assert rows["PRD"]["progress"] == "moved_failing"
    assert (rows["DEV"]["owner"], rows["DEV"]["target_option"], rows["DEV"]["target_date"]) == (
        "Team ECC", "oauth2", "2026-12-15",
    )  # fmt: skip
    assert rows["DEV"]["runbook_steps"] and int(rows["DEV"]["runbook_done"]) == 0  # its runbook started below
    assert rows["SBX"]["runbook_steps"] == ""  # no setup, no runbook
    assert "never-show-me" not in response.content.decode()


def test_the_export_does_not_let_a_description_run_as_a_formula(client, manager):
    make_system("DEV", "200", description="=HYPERLINK(1)")
    client.force_login(manager)
    assert "'=HYPERLINK(1)" in client.get("/dashboard/export.csv").content.decode()


def test_helpdesk_cannot_see_the_dashboard_or_its_report(client, helpdesk, landscape):
    client.force_login(helpdesk)
    for url in ("/dashboard/", "/dashboard/export.csv", "/dashboard/report/", "/dashboard/report.pdf"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("count", [1, 200])
def test_the_dashboard_takes_a_bounded_number_of_queries(client, manager, django_assert_max_num_queries, count):
    many_systems(count)
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        assert client.get("/dashboard/").status_code == 200


def test_the_printable_report_has_the_headline_the_chart_and_the_open_systems(client, manager):
    diagnosed_demo()
    client.force_login(manager)
    page = client.get("/dashboard/report/").content.decode()
    assert "38% <span" in page and "Mail option by landscape role" in page
    assert "Not yet moved and healthy: 11" in page and "ECQ/100" in page
    assert "report.css" in page and "@page" not in page  # the print layout lives in the stylesheet


def test_the_pdf_report_is_one_page_with_the_headline(client, manager):
    from pypdf import PdfReader

    diagnosed_demo()
    client.force_login(manager)
    response = client.get("/dashboard/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    text = pdf.pages[0].extract_text()
    assert "moved and healthy" in text and "ECQ/100" in text and "Mail option by landscape role" in text
    assert len(pdf.pages) == 1


def test_without_pango_the_pdf_link_answers_with_the_printable_page_and_what_to_install(client, manager, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if the library could not load (no libpango)
    client.force_login(manager)
    response = client.get("/dashboard/report.pdf")
    assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "libpango-1.0-0" in page and "browser&#x27;s Print" in page
    assert "Moving off Basic authentication: status of" in page
