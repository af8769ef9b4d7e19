from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import override_settings

from tests.support.pages import finished_run, make_system, many_systems

pytestmark = pytest.mark.django_db


@pytest.fixture
def landscape(failing_prd):
    make_system("DEV", "200", option="smtp_basic", role="DEV", basis_release=740, product="ecc")
    make_system("QAS", "300", option="direct_send", role="QAS")
    finished_run(make_system("SBX", "400", option=None, role="SBX"), "passed")


def test_the_dashboard_counts_options_health_and_progress(client, manager, landscape):
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    assert "50%" in page  # 2 of 4 off Basic auth (the one without a setup counts as not moved)
    assert "<svg" in page and "<rect" in page
    assert "Production: 1 SMTP OAuth 2.0" in page
    assert "DEV/200" in page  # release 7.40 on Basic auth blocks
    assert "PRD/100" in page  # failing
    assert '<th scope="row">Development</th><td>0</td><td>1</td>' in page  # the chart as a table


@override_settings(PORTAL_BASIC_AUTH_MILESTONES=[{"date": "2099-01-01", "what": "Far away", "source": "test"}])
def test_the_countdown_uses_the_setting(client, manager, landscape):
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    assert f"{(date(2099, 1, 1) - date.today()).days} days" in page
    assert "Far away" in page


def test_the_export_has_a_row_per_system_with_health(client, manager, landscape):
    client.force_login(manager)
    response = client.get("/dashboard/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["sid"] for row in rows] == ["DEV", "PRD", "QAS", "SBX"]
    assert rows[1]["health"] == "red" and rows[1]["option"] == "oauth2"
    assert "never-show-me" not in response.content.decode()


def test_the_export_does_not_let_a_description_run_as_a_formula(client, manager):
    make_system("DEV", "200", description="=HYPERLINK(1)")
    client.force_login(manager)
    assert "'=HYPERLINK(1)" in client.get("/dashboard/export.csv").content.decode()


def test_helpdesk_cannot_see_the_dashboard(client, helpdesk, landscape):
    client.force_login(helpdesk)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/export.csv").status_code == 403


@pytest.mark.parametrize("count", [1, 200])
def test_the_dashboard_takes_a_bounded_number_of_queries(client, manager, django_assert_max_num_queries, count):
    many_systems(count)
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        assert client.get("/dashboard/").status_code == 200


def test_the_failing_list_says_why_like_the_systems_list(client, manager, landscape):
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    assert "Token: <code>AADSTS7000222</code> The client secret has expired" in page
