import pytest
from django.core.checks import ERROR, WARNING, run_checks
from django.db import connection
from django.test import override_settings

from portal import crypto
from portal.checks import loopback_targets, production_keys
from portal.crypto import Secret
from portal.models import MailSetup, SapSystem

pytestmark = pytest.mark.django_db


def _setup(secret: str = "client-secret-value") -> MailSetup:
    system = SapSystem.objects.create(sid="PRD", client="100")
    return MailSetup.objects.create(system=system, option="oauth2", client_secret=secret)


def test_a_secret_is_encrypted_in_the_database_and_masked_in_memory():
    setup = _setup()
    raw = connection.cursor().execute("select client_secret from portal_mailsetup").fetchone()[0]
    assert "client-secret-value" not in raw
    loaded = MailSetup.objects.get()
    assert str(loaded.client_secret) == "••••••"
    assert "client-secret-value" not in repr(loaded.client_secret)
    assert loaded.client_secret.reveal() == "client-secret-value"
    assert loaded.to_config().has_secret is True
    assert "client-secret-value" not in repr(setup.to_config())


def test_an_empty_secret_is_stored_as_empty():
    _setup("")
    assert MailSetup.objects.get().client_secret.is_set is False
    assert connection.cursor().execute("select client_secret from portal_mailsetup").fetchone()[0] == ""


def test_rotated_keys_still_read_old_secrets_and_rotate_to_the_newest(settings):
    _setup()
    old_keys = list(settings.PORTAL_SECRET_KEYS)
    new_key = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleTA="
    crypto.keyring.cache_clear()
    try:
        settings.PORTAL_SECRET_KEYS = [new_key, *old_keys]
        token = connection.cursor().execute("select client_secret from portal_mailsetup").fetchone()[0]
        assert MailSetup.objects.get().client_secret.reveal() == "client-secret-value"
        rotated = crypto.rotate(token)
        settings.PORTAL_SECRET_KEYS = [new_key]
        crypto.keyring.cache_clear()
        assert crypto.decrypt(rotated) == "client-secret-value"
        with pytest.raises(crypto.SecretUnreadable, match="cannot be decrypted"):
            Secret(token=token).reveal()
    finally:
        settings.PORTAL_SECRET_KEYS = old_keys
        crypto.keyring.cache_clear()


def test_generated_keys_are_a_deployment_error_and_loopback_targets_a_warning():
    with override_settings(PORTAL_KEYS_GENERATED=True):
        assert [(e.id, e.level) for e in production_keys(None)] == [("portal.E001", ERROR)]
    with override_settings(PORTAL_KEYS_GENERATED=False):
        assert production_keys(None) == []
    with override_settings(PORTAL_ALLOW_LOOPBACK_TARGETS=True, EMBEDDED=False):
        assert [(w.id, w.level) for w in loopback_targets(None)] == [("portal.W001", WARNING)]
    with override_settings(PORTAL_ALLOW_LOOPBACK_TARGETS=True, EMBEDDED=True):
        assert loopback_targets(None) == []  # the demo's lab
    assert "portal.E001" in [m.id for m in run_checks(include_deployment_checks=True)]
