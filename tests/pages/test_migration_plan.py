"""A plan per system (issue 13): owner, contact, target option and target date, edited by Basis admins and audited,
through the form and through the CSV files."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from portal.models import AuditEvent, SapSystem
from portal.system_export import export_csv
from portal.system_import import ImportRefused, import_systems

pytestmark = pytest.mark.django_db

FACTS = {"description": "PRD system", "role": "PRD", "product": "s4_onprem", "basis_release": "7.57", "zone": ""}


def test_a_basis_admin_plans_a_system_in_the_form_and_the_change_is_audited(client, basis_admin, prd):
    client.force_login(basis_admin)
    plan = {"owner": "Team S/4 Basis", "contact_email": "s4-basis@contoso.com", "target_option": "oauth2",
            "target_date": "15 Dec 2026"}  # fmt: skip
    response = client.post("/systems/PRD/100/edit/", {**FACTS, **plan})
    assert response.status_code == 302
    prd.refresh_from_db()
    assert (prd.owner, prd.target_option, prd.target_date) == ("Team S/4 Basis", "oauth2", date(2026, 12, 15))
    event = AuditEvent.objects.get(action="system.updated")
    assert event.actor == basis_admin
    assert event.changes["target_option"] == ["", "oauth2"]
    assert event.changes["target_date"] == [None, "2026-12-15"]
    page = client.get("/systems/PRD/100/configuration/").content.decode()
    assert "Target date set to 15 Dec 2026" in page  # the recent changes say it in words


def test_a_target_that_is_not_an_option_or_a_date_is_refused_with_the_field_named(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.post("/systems/PRD/100/edit/", {**FACTS, "target_option": "carrier_pigeon",
                                                  "target_date": "next spring"}).content.decode()  # fmt: skip
    assert "Select a valid choice" in page and "Enter a valid date" in page
    prd.refresh_from_db()
    assert prd.target_option == "" and prd.target_date is None
    assert not AuditEvent.objects.exists()


def test_managers_and_the_helpdesk_cannot_change_a_plan(client, manager, helpdesk, prd):
    for user in (manager, helpdesk):
        client.force_login(user)
        response = client.post("/systems/PRD/100/edit/", {**FACTS, "target_option": "oauth2"})
        assert response.status_code == 403
    prd.refresh_from_db()
    assert prd.target_option == ""


def test_the_plan_travels_through_the_csv_import_and_export():
    import_systems(
        "sid,client,option,owner,contact_email,target_option,target_date\n"
        "DEV,300,smtp_basic,Team ECC,ecc-basis@contoso.com,Direct Send,2026-12-15\n"
    )
    system = SapSystem.objects.get(sid="DEV")
    assert (system.owner, system.contact_email) == ("Team ECC", "ecc-basis@contoso.com")
    assert (system.target_option, system.target_date) == ("direct_send", date(2026, 12, 15))
    assert AuditEvent.objects.get(action="system.imported").source == AuditEvent.Source.CSV
    row = next(csv.DictReader(io.StringIO(export_csv())))
    assert [row[name] for name in ("owner", "contact_email", "target_option", "target_date")] == [
        "Team ECC", "ecc-basis@contoso.com", "direct_send", "2026-12-15",
    ]  # fmt: skip
    import_systems("sid,client,target_date\nDEV,300,-\n")  # a dash clears it, audited as a change
    assert SapSystem.objects.get(sid="DEV").target_date is None
    assert AuditEvent.objects.get(action="system.updated").changes["target_date"] == ["2026-12-15", None]


def test_a_bad_plan_in_the_csv_names_line_and_column_and_imports_nothing():
    with pytest.raises(ImportRefused) as refused:
        import_systems("sid,client,target_option,target_date\nDEV,300,oauth2,2026-12-15\nQAS,200,fax,15.12.2026\n")
    assert [str(problem) for problem in refused.value.problems] == [
        "line 3, column target_option: the cell is not one of: oauth2, smtp_basic, direct_send, relay_connector, "
        "relay_server.",
        "line 3, column target_date: the cell is not an ISO date (YYYY-MM-DD, digits 0-9).",
    ]
    assert not SapSystem.objects.exists()
