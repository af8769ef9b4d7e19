"""The page of Exchange's SMTP AUTH clients report: Basis admins import it, managers read what it says."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.exchange_report import import_report
from portal.models import ExchangeReport, SapSystem
from tests.support.fleet import diagnosed_demo
from tests.support.pages import many_systems

pytestmark = pytest.mark.django_db

EAC = (Path(__file__).resolve().parents[1] / "support" / "exchange" / "smtp_auth_clients_eac.csv").read_bytes()


def _upload(client, data: bytes, as_of: str = "28 Nov 2026"):
    return client.post("/exchange-report/", {"file": SimpleUploadedFile("smtp-auth.csv", data), "as_of": as_of})


def test_a_basis_admin_imports_the_report_and_reads_what_exchange_says(client, basis_admin):
    diagnosed_demo()
    client.force_login(basis_admin)
    response = _upload(client, EAC)
    assert response.status_code == 302
    page = client.get("/exchange-report/").content.decode()
    assert "According to Exchange, as of 28 Nov 2026" in page
    assert "Counted as moved, but Exchange saw Basic auth: 2" in page and "bw-reports@northwind.lab.test" in page
    assert "On Basic auth without a plan: 3" in page  # DEV, SBX, ECQ: none has a target yet
    assert "Accounts that match no system: 1" in page
    assert "/systems/new/?sender=scanner-3og%40good.lab.test&amp;option=smtp_basic" in page  # add as a system
    dashboard = client.get("/dashboard/").content.decode()
    assert "as of <strong>28 Nov 2026</strong>" in dashboard


def test_a_bad_file_is_refused_with_line_and_column_and_nothing_is_kept(client, basis_admin):
    client.force_login(basis_admin)
    page = _upload(client, b"Sender address,Messages sent\nsap@x.test,twelve\n").content.decode()
    assert "Nothing was imported" in page and "line 2, column Messages sent" in page
    page = _upload(client, EAC, as_of="1 Jan 2999").content.decode()
    assert "cannot cover days that have not come yet" in page
    assert not ExchangeReport.objects.exists()


def test_a_manager_reads_the_report_but_cannot_import_one(client, manager):
    import_report(EAC, as_of=date(2026, 11, 28))
    client.force_login(manager)
    page = client.get("/exchange-report/").content.decode()
    assert "According to Exchange, as of 28 Nov 2026" in page and "Import a report" not in page
    assert "add as a system" not in page
    assert _upload(client, EAC).status_code == 403
    assert ExchangeReport.objects.count() == 1


def test_add_as_a_system_opens_a_prefilled_form_and_the_setup_starts_with_the_account(client, basis_admin):
    client.force_login(basis_admin)
    page = client.get("/systems/new/?sender=scanner-3og@good.lab.test&option=smtp_basic&description=Sends as "
                      "scanner-3og@good.lab.test").content.decode()  # fmt: skip
    assert "names <code>scanner-3og@good.lab.test</code>" in page
    assert 'value="Sends as scanner-3og@good.lab.test"' in page
    response = client.post("/systems/new/", {"sid": "SCN", "client": "100", "description": "Scanner",
                                             "sender": "scanner-3og@good.lab.test", "option": "smtp_basic"})  # fmt: skip
    assert response.status_code == 302
    assert response.url.startswith("/systems/SCN/100/configuration/?option=smtp_basic&sender=scanner-3og")
    setup_page = client.get(response.url).content.decode()
    assert 'value="scanner-3og@good.lab.test"' in setup_page
    assert SapSystem.objects.filter(sid="SCN").exists()


def test_the_dashboard_with_a_report_still_takes_a_bounded_number_of_queries(
    client, manager, django_assert_max_num_queries
):
    many_systems(200)
    import_report(EAC, as_of=date(2026, 11, 28))
    client.force_login(manager)
    with django_assert_max_num_queries(11):
        assert client.get("/dashboard/").status_code == 200
