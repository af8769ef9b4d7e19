"""Error pages: a 403 says which role is needed and who grants it, 404 and 500 offer the way back,
and the 500 page renders without a database or a request context."""

from __future__ import annotations

import io
import logging

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from portal.models import SapSystem

pytestmark = pytest.mark.django_db


@pytest.fixture
def prd() -> SapSystem:
    return SapSystem.objects.create(sid="PRD", client="100", description="Production")


def test_a_403_says_which_roles_may_and_who_grants_them(client, helpdesk, settings):
    settings.PORTAL_ADMINS_CONTACT = "the SAP Basis team lead (basis-lead@contoso.com)"
    client.force_login(helpdesk)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="topbar"' in page and "Sign out" in page  # inside the layout
    assert "for the roles <strong>Basis admin or Manager</strong>" in page  # the groups with view_dashboard
    assert "Your role: Helpdesk" in page
    assert "the SAP Basis team lead (" in page and 'href="mailto:basis-lead@contoso.com"' in page
    assert 'href="/"' in page


def test_a_403_for_a_user_without_any_role_says_so(client, outsider, prd):
    client.force_login(outsider)
    page = client.get("/systems/PRD/100/").content.decode()
    assert "for the roles <strong>Basis admin, Helpdesk or Manager</strong>" in page
    assert "You have no role in the portal yet" in page
    assert "the portal&#x27;s administrators" in page  # the default contact
    assert "Back to the systems" not in page  # it would only lead to the next 403


def test_a_403_on_a_form_names_the_role_that_may_change_it(client, manager, prd):
    client.force_login(manager)
    response = client.post("/systems/PRD/100/edit/", {"description": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "for the role <strong>Basis admin</strong>" in page
    assert "Your role: Manager" in page


def test_a_403_prints_no_traceback(client, helpdesk):
    handler = logging.getLogger().handlers[0]  # the stderr handler of settings.LOGGING
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        client.force_login(helpdesk)
        assert client.get("/dashboard/").status_code == 403
    finally:
        handler.setStream(old)
    assert "Forbidden (Permission denied): /dashboard/" in stream.getvalue()
    assert "Traceback" not in stream.getvalue()


def test_a_404_is_inside_the_layout_and_offers_the_way_back(client, basis_admin, prd):
    client.force_login(basis_admin)
    for url in ["/no-such-page/", "/systems/QAS/200/"]:
        response = client.get(url)
        assert response.status_code == 404
        page = response.content.decode()
        assert 'class="topbar"' in page and "Sign out" in page
        assert "Back to the systems" in page and 'href="/"' in page


def test_a_404_for_someone_not_signed_in_offers_the_sign_in(client):
    page = client.get("/no-such-page/").content.decode()
    assert "Sign out" not in page
    assert 'href="/login/"' in page


def test_a_500_is_the_styled_page_with_the_way_back(client, basis_admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("DATABASE_URL=postgres://mailhealth:s3cret@db/mailhealth")

    monkeypatch.setattr("portal.views.helpdesk.with_health", broken)
    client.raise_request_exception = False
    client.force_login(basis_admin)
    response = client.get("/helpdesk/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert 'href="/"' in page
    assert "s3cret" not in page and "Traceback" not in page


def test_the_500_page_renders_without_a_database_or_a_request_context(django_db_blocker):
    request = RequestFactory().get("/")  # no user, no session: what a failing middleware leaves
    with django_db_blocker.block():
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "<style>" in page  # self-contained: no stylesheet, no layout that needs the database
