"""The admin's MailSetup form: a private key typed into it is never rendered back, and only a real
private key (parsed with cryptography) is stored."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.contrib.auth.models import User

from portal.models import MailSetup, SapSystem
from tests.support.users import PASSWORD

pytestmark = pytest.mark.django_db

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PKCS1_PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
).decode()
KEY_BODY = PKCS1_PEM.splitlines()[5]  # a line from the middle of the key


@pytest.fixture
def prd() -> SapSystem:
    system = SapSystem.objects.create(sid="PRD", client="100")
    MailSetup.objects.create(system=system, option="oauth2", sender="sap-prd@contoso.com")
    return system


@pytest.fixture
def admin_client(client, prd):
    client.force_login(User.objects.create_superuser("root", password=PASSWORD))
    return client


def _post(client, setup, **values):
    form = {
        "system": setup.system.pk, "option": "oauth2", "cloud": "global", "credential": "certificate",
        "client_secret": "", "private_key": "", "sender": "sap-prd@contoso.com", "egress_ips": "[]",
        "smtp_host": "", "tls": "", **values,
    }  # fmt: skip
    return client.post(f"/admin/portal/mailsetup/{setup.pk}/change/", form)


def test_a_key_typed_into_a_form_that_fails_validation_is_not_rendered_back(admin_client, prd):
    response = _post(admin_client, prd.mail_setup, private_key=PKCS1_PEM, smtp_host="not a host!")
    assert response.status_code == 200  # the form is shown again with the host's error
    page = response.content.decode()
    assert "is not a host name" in page
    assert KEY_BODY not in page
    assert "BEGIN RSA PRIVATE KEY" not in page
    prd.mail_setup.refresh_from_db()
    assert not prd.mail_setup.private_key.is_set


@pytest.mark.parametrize(
    "text",
    ["not a key at all", "-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----", "Sup3r~Secret.Value"],
)
def test_text_that_is_not_a_private_key_is_refused_without_being_echoed(admin_client, prd, text):
    response = _post(admin_client, prd.mail_setup, private_key=text)
    assert response.status_code == 200
    page = response.content.decode()
    assert "not an unencrypted private key in PEM format" in page
    assert text not in page
    prd.mail_setup.refresh_from_db()
    assert not prd.mail_setup.private_key.is_set


def test_an_encrypted_key_is_refused_with_the_reason(admin_client, prd):
    encrypted = KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pass phrase"),
    ).decode()
    response = _post(admin_client, prd.mail_setup, private_key=encrypted)
    assert response.status_code == 200
    assert "not an unencrypted private key in PEM format" in response.content.decode()


def test_a_public_certificate_or_key_is_not_a_private_key(admin_client, prd):
    public = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    response = _post(admin_client, prd.mail_setup, private_key=public.decode())
    assert response.status_code == 200
    assert "not an unencrypted private key in PEM format" in response.content.decode()


@pytest.mark.parametrize("key", [KEY, ec.generate_private_key(ec.SECP256R1())])
def test_a_real_private_key_is_stored_as_pkcs8_and_never_shown(admin_client, prd, key):
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    response = _post(admin_client, prd.mail_setup, private_key=pem)
    assert response.status_code == 302, response.content.decode()[:3000]
    prd.mail_setup.refresh_from_db()
    stored = prd.mail_setup.private_key.reveal()
    assert stored.startswith("-----BEGIN PRIVATE KEY-----")
    loaded = serialization.load_pem_private_key(stored.encode(), password=None)
    assert loaded.private_numbers() == key.private_numbers()
    page = admin_client.get(f"/admin/portal/mailsetup/{prd.mail_setup.pk}/change/").content.decode()
    assert "PRIVATE KEY-----" not in page
