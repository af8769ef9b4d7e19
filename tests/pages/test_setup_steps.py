from __future__ import annotations

import pytest

from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db


def test_the_steps_are_grouped_by_where_with_copy_buttons_and_the_check_status(client, helpdesk, prd):
    finished_run(prd, "failed", key="oauth.token", summary="The client secret expired")
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/steps/").content.decode()
    assert "Microsoft Entra admin center" in page
    assert "SAP GUI transactions" in page
    assert 'class="copy js-only' in page
    assert "11111111-2222-3333-4444-555555555555" in page
    assert 'href="/systems/PRD/100/#check-oauthtoken"' in page
    assert "The client secret expired" in page
    assert "never-show-me" not in page


def test_the_markdown_download_is_the_guide(client, manager, prd):
    client.force_login(manager)
    response = client.get("/systems/PRD/100/steps.md")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert 'filename="PRD-100-mail-steps.md"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# ") and "## Microsoft Entra admin center" in text
    assert "never-show-me" not in text


@pytest.mark.parametrize("option", ["oauth2", "smtp_basic", "direct_send", "relay_connector", "relay_server"])
def test_every_option_has_a_steps_page(client, helpdesk, option):
    make_system("DEV", "200", option=option, basis_release=740, product="ecc")
    client.force_login(helpdesk)
    assert client.get("/systems/DEV/200/steps/").status_code == 200
    assert client.get("/systems/DEV/200/steps.md").status_code == 200


def test_a_system_without_setup_says_there_are_no_steps(client, helpdesk):
    make_system("DEV", "200", option=None)
    client.force_login(helpdesk)
    assert "no steps to show" in client.get("/systems/DEV/200/steps/").content.decode()
