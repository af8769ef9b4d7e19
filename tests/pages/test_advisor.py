from __future__ import annotations

import pytest

from portal.models import AuditEvent, MailSetup
from tests.support.pages import make_system

pytestmark = pytest.mark.django_db

ANSWERS = {
    "product": "s4_onprem", "basis_release": "7.58", "external_recipients": "yes", "static_public_ip": "no",
    "outbound_587": "yes", "outbound_25": "yes", "tls12": "yes", "messages_per_day": "", "messages_per_minute": "",
}  # fmt: skip


def test_a_modern_release_is_advised_oauth_with_reasons(client, helpdesk):
    client.force_login(helpdesk)
    page = client.get("/advisor/", ANSWERS).content.decode()
    assert 'class="big-option">SMTP OAuth 2.0' in page
    assert "The other options" in page


def test_an_old_release_is_not_advised_oauth(client, helpdesk):
    client.force_login(helpdesk)
    answers = {**ANSWERS, "basis_release": "7.40", "external_recipients": "no"}
    page = client.get("/advisor/", answers).content.decode()
    assert 'class="big-option">SMTP OAuth 2.0' not in page


@pytest.mark.parametrize(
    "bad", [{"product": "zzz"}, {"basis_release": "seven"}, {"messages_per_day": "-4"}, {"tls12": "maybe"}]
)
def test_bad_answers_re_render_the_questions(client, helpdesk, bad):
    client.force_login(helpdesk)
    response = client.get("/advisor/", {**ANSWERS, **bad})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_the_advice_can_be_applied_to_a_system_and_is_audited(client, basis_admin):
    make_system("DEV", "200", option="smtp_basic", product="s4_onprem", basis_release=758)
    client.force_login(basis_admin)
    page = client.get("/advisor/", {**ANSWERS, "system": "DEV/200"}).content.decode()
    assert "Use SMTP OAuth 2.0 for DEV/200" in page
    response = client.post("/systems/DEV/200/advisor/apply/", {"option": "oauth2", "credential": "certificate"})
    assert response["Location"] == "/systems/DEV/200/configuration/"
    setup = MailSetup.objects.get()
    assert (setup.option, setup.credential) == ("oauth2", "certificate")
    assert AuditEvent.objects.get().changes["option"] == ["smtp_basic", "oauth2"]


def test_the_system_prefills_product_and_release(client, helpdesk):
    make_system("DEV", "200", product="ecc", basis_release=740)
    client.force_login(helpdesk)
    page = client.get("/advisor/?system=DEV/200").content.decode()
    assert 'value="7.40"' in page
    assert '<option value="ecc" selected>' in page


def test_only_basis_admins_apply_advice(client, helpdesk, manager, prd):
    for user in (helpdesk, manager):
        client.force_login(user)
        assert client.post("/systems/PRD/100/advisor/apply/", {"option": "oauth2"}).status_code == 403
        assert "Use SMTP OAuth" not in client.get("/advisor/", {**ANSWERS, "system": "PRD/100"}).content.decode()
