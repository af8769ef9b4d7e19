from __future__ import annotations

import pytest

from portal.models import AuditEvent, SapSystem

pytestmark = pytest.mark.django_db


def test_a_basis_admin_adds_a_system_and_goes_on_to_its_setup(client, basis_admin):
    client.force_login(basis_admin)
    response = client.post("/systems/new/", {"sid": "erp", "client": "1", "role": "PRD", "basis_release": "7.58"})
    assert response.status_code == 302
    assert response["Location"] == "/systems/ERP/001/configuration/"
    system = SapSystem.objects.get()
    assert (system.sid, system.client, system.basis_release) == ("ERP", "001", 758)
    assert AuditEvent.objects.get().action == "system.created"


@pytest.mark.parametrize(
    "data", [{"sid": "SAP", "client": "100"}, {"sid": "toolong", "client": "100"}, {"sid": "ERP", "client": "abc"},
             {"sid": "ERP", "client": "100", "basis_release": "seven"}, {"sid": "ERP", "client": "100", "role": "X"}, {}],
)  # fmt: skip
def test_bad_input_re_renders_the_form_with_messages(client, basis_admin, data):
    client.force_login(basis_admin)
    response = client.post("/systems/new/", data)
    assert response.status_code == 200
    assert 'class="error' in response.content.decode()
    assert not SapSystem.objects.exists()


def test_a_duplicate_sid_and_client_is_refused_with_a_message(client, basis_admin, prd):
    client.force_login(basis_admin)
    response = client.post("/systems/new/", {"sid": "PRD", "client": "100"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_a_basis_admin_edits_the_facts_but_not_the_sid_and_the_change_is_audited(client, basis_admin, prd):
    client.force_login(basis_admin)
    data = {"sid": "XXX", "client": "999", "description": "PRD system", "role": "PRD", "basis_release": "7.58",
            "owner": "Jane Basis"}  # fmt: skip
    response = client.post("/systems/PRD/100/edit/", data)
    assert response["Location"] == "/systems/PRD/100/"
    prd.refresh_from_db()
    assert (prd.sid, prd.client, prd.basis_release, prd.owner) == ("PRD", "100", 758, "Jane Basis")
    assert AuditEvent.objects.get().changes == {"basis_release": [757, 758], "owner": ["", "Jane Basis"]}


def test_bad_facts_re_render_and_others_may_not_edit(client, basis_admin, manager, helpdesk, prd):
    client.force_login(basis_admin)
    response = client.post("/systems/PRD/100/edit/", {"role": "nope", "basis_release": "x"})
    assert response.status_code == 200 and 'class="error' in response.content.decode()
    for user in (manager, helpdesk):
        client.force_login(user)
        assert client.get("/systems/PRD/100/edit/").status_code == 403


def test_a_shortened_client_is_padded_and_the_page_says_so(client, basis_admin):
    client.force_login(basis_admin)
    response = client.post("/systems/new/", {"sid": "ERP", "client": "10"}, follow=True)
    assert SapSystem.objects.get().client == "010"
    assert "Client “10” was saved as 010: SAP clients have three digits." in response.content.decode()
    response = client.post("/systems/new/", {"sid": "ERQ", "client": "100"}, follow=True)
    assert "was saved as" not in response.content.decode()  # a full client is not news
