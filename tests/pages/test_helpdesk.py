from __future__ import annotations

import pytest
from django.utils import timezone

from diagnostics.models import DiagnosticRun
from tests.support.pages import finished_run, make_system, many_systems

pytestmark = pytest.mark.django_db


def test_a_failing_system_reads_as_a_sentence_with_the_remedy(client, helpdesk, failing_prd):
    first = DiagnosticRun.objects.filter(verdict="failed").order_by("finished_at").first().finished_at
    client.force_login(helpdesk)
    page = client.get("/helpdesk/?q=PRD").content.decode()
    since = timezone.localtime(first)
    assert (
        f"Mail from PRD fails since {since:%H:%M}" in page or f"Mail from PRD fails since {since:%d %b %H:%M}" in page
    )
    assert "The client secret expired — Basis must renew the client secret in Entra ID" in page
    assert "Run checks again" in page


def test_a_working_system_says_so_with_its_owner(client, helpdesk):
    finished_run(make_system("QAS", "300", owner="Jane Basis"), "passed")
    client.force_login(helpdesk)
    page = client.get("/helpdesk/?q=qas").content.decode()
    assert "Mail from QAS works" in page
    assert "Jane Basis" in page


def test_a_manager_sees_cards_without_the_run_button(client, manager, failing_prd):
    client.force_login(manager)
    page = client.get("/helpdesk/").content.decode()
    assert "Mail from PRD fails" in page
    assert "Run checks again" not in page


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
