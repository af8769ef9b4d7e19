import pytest

from portal.models import MailSetup, SapSystem
from tests.support.users import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def prd() -> SapSystem:
    system = SapSystem.objects.create(sid="PRD", client="100", description="Production", role="PRD", basis_release=757)
    MailSetup.objects.create(system=system, option="oauth2", client_secret="never-show-me", sender="sap@contoso.com")
    return system


def test_every_page_asks_for_a_login_first(client, prd):
    for url in ["/", "/systems/PRD/100/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_a_user_signs_in_and_sees_the_systems_with_option_and_role(client, basis_admin, prd):
    response = client.post("/login/", {"username": "basis", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "PRD/100" in page
    assert "SMTP OAuth 2.0" in page
    assert "Production" in page


def test_a_wrong_password_says_so(client, helpdesk):
    response = client.post("/login/", {"username": "helpdesk", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_the_detail_page_shows_the_setup_but_never_the_secret(client, basis_admin, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/").content.decode()
    assert "sap@contoso.com" in page
    assert "stored (write-only)" in page
    assert "never-show-me" not in page
    assert "7.57" in page


def test_an_unknown_system_is_a_404(client, helpdesk):
    client.force_login(helpdesk)
    assert client.get("/systems/XYZ/100/").status_code == 404


def test_a_user_without_a_role_is_refused(client, outsider, prd):
    client.force_login(outsider)
    assert client.get("/").status_code == 403
    assert client.get("/systems/PRD/100/").status_code == 403


def test_the_admin_never_sends_a_stored_secret_back(client, prd):
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin)
    setup = prd.mail_setup
    page = client.get(f"/admin/portal/mailsetup/{setup.pk}/change/").content.decode()
    assert "never-show-me" not in page
    assert 'name="client_secret"' in page


def test_saving_in_the_admin_with_an_empty_secret_keeps_it_and_audits_without_values(client, prd):
    from django.contrib.auth.models import User

    from portal.models import AuditEvent

    admin = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin)
    setup = prd.mail_setup
    form = {
        "system": prd.pk, "option": "oauth2", "cloud": "global", "credential": "secret", "client_secret": "",
        "private_key": "", "sender": "alerts@contoso.com", "egress_ips": "[]", "smtp_host": "", "tls": "",
    }  # fmt: skip
    response = client.post(f"/admin/portal/mailsetup/{setup.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    setup.refresh_from_db()
    assert setup.client_secret.reveal() == "never-show-me"
    assert setup.sender == "alerts@contoso.com"
    event = AuditEvent.objects.get()
    assert event.changes == {"sender": ["sap@contoso.com", "alerts@contoso.com"]}
