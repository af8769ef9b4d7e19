"""The navigation mirrors each role; the server refuses anyway."""

from __future__ import annotations

import pytest

from tests.support.users import PASSWORD

pytestmark = pytest.mark.django_db

EDIT_URLS = ["/systems/new/", "/systems/PRD/100/configuration/"]


def _nav(client, user) -> str:
    client.force_login(user)
    return client.get("/systems/PRD/100/").content.decode()


def test_a_basis_admin_sees_every_tab_and_action(client, basis_admin, prd):
    page = _nav(client, basis_admin)
    for text in [
        "Configuration</a>",
        "Test send</a>",
        "Migration dashboard</a>",
        "System facts</a>",
        "Run checks</button>",
    ]:
        assert text in page
    assert "Add a system</a>" in client.get("/").content.decode()


def test_a_manager_never_sees_edit_or_run_buttons(client, manager, prd):
    page = _nav(client, manager)
    assert "Migration dashboard</a>" in page
    for text in ["Configuration</a>", "Test send</a>", "System facts</a>", "Run checks</button>"]:
        assert text not in page
    assert "Add a system</a>" not in client.get("/").content.decode()


def test_helpdesk_can_run_checks_but_not_edit(client, helpdesk, prd):
    page = _nav(client, helpdesk)
    assert "Run checks</button>" in page
    for text in ["Configuration</a>", "Test send</a>", "Migration dashboard</a>", "System facts</a>"]:
        assert text not in page
    assert "Add a system</a>" not in client.get("/").content.decode()


@pytest.mark.parametrize("url", EDIT_URLS)
def test_the_server_refuses_a_manager_on_every_edit_page(client, manager, prd, url):
    client.force_login(manager)
    assert client.get(url).status_code == 403
    assert client.post(url, {"sid": "NEW", "client": "100", "option": "oauth2"}).status_code == 403


NEW_PAGES = ["/helpdesk/", "/dashboard/", "/systems/PRD/100/steps/", "/systems/new/", "/helpdesk/cards/PRD/100/",
             "/systems/PRD/100/steps/scripts/setup.ps1"]  # fmt: skip


@pytest.mark.parametrize("url", NEW_PAGES)
def test_an_outsider_is_refused_everywhere(client, outsider, prd, url):
    client.force_login(outsider)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", NEW_PAGES)
def test_every_new_page_asks_for_a_login(client, prd, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_every_asset_comes_from_static_and_csrf_rides_on_the_body(client, helpdesk, prd):
    import re

    client.force_login(helpdesk)
    page = client.get("/").content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any("htmx" in source for source in sources)
    assert all(source.startswith("/static/") for source in sources), sources
    assert '<body hx-headers=\'{"X-CSRFToken": "' in page


@pytest.mark.parametrize(("user", "lands"), [("helpdesk", "/helpdesk/"), ("basis_admin", "/"), ("manager", "/")])
def test_each_role_lands_where_its_work_is_after_signing_in(client, request, user, lands):
    account = request.getfixturevalue(user)
    for next_page in ("", "?next=/"):  # "/" is where everyone is sent to sign in: it is not a wish
        response = client.post(f"/login/{next_page}", {"username": account.username, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == lands
        client.logout()
    response = client.post("/login/?next=/dashboard/", {"username": account.username, "password": PASSWORD})
    assert response["Location"] == "/dashboard/"  # a page asked for by name still wins
    assert client.get("/").status_code == 200  # and the systems list stays reachable for everyone
