"""No user input makes a page fail: odd query strings, paths and form values get a page or a 404."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ODD = ["", "%00", "-1", "0", "9" * 30, "<script>alert(1)</script>", "%27%22;--", "%E2%80%AE", "a" * 2000]
GET_PAGES = [
    "/?q={v}&option={v}&role={v}&health={v}&zone={v}&page={v}",
    "/helpdesk/?q={v}",
    "/advisor/?system={v}&product={v}&basis_release={v}&messages_per_day={v}",
    "/systems/PRD/100/test-send/?run={v}",
    "/systems/PRD/100/configuration/?option={v}&smtp_port={v}",
]


@pytest.mark.parametrize("url", GET_PAGES)
@pytest.mark.parametrize("value", ODD)
def test_odd_query_strings_never_fail(client, basis_admin, prd, url, value):
    client.force_login(basis_admin)
    response = client.get(url.format(v=value))
    assert response.status_code in (200, 404), response.status_code
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/systems/PR%00/100/", "/systems/PRD/1%2000/", "/systems/TOOLONG/100/", "/systems/PRD/abc/runs/1/"]
)
def test_odd_paths_are_a_404(client, basis_admin, prd, path):
    client.force_login(basis_admin)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("value", ["\x00", "x" * 5000, "<b>", "2026-02-30"])
def test_odd_form_values_re_render(client, basis_admin, prd, value):
    client.force_login(basis_admin)
    for url, data in [
        (
            "/systems/PRD/100/configuration/",
            {"option": "oauth2", "tenant": value, "smtp_port": value, "secret_expires": value},
        ),
        ("/systems/new/", {"sid": value, "client": value, "basis_release": value}),
        ("/systems/PRD/100/test-send/", {"recipient": value}),
        ("/systems/PRD/100/edit/", {"role": value, "contact_email": value}),
    ]:
        assert client.post(url, data).status_code == 200, url
