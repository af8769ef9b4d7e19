import pytest
from django.core.management import call_command

from lab.scenarios import SCENARIOS
from portal.models import MailSetup, SapSystem

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_keeps_a_users_edits(capsys):
    call_command("load_demo")
    assert SapSystem.objects.count() == len(SCENARIOS)
    assert MailSetup.objects.filter(cloud="lab").count() == len(SCENARIOS)
    SapSystem.objects.filter(sid="PRD").update(description="edited by hand")
    SapSystem.objects.get(sid="DEV").delete()
    call_command("load_demo")
    assert SapSystem.objects.get(sid="PRD").description == "edited by hand"
    assert SapSystem.objects.filter(sid="DEV").exists()
    capsys.readouterr()
    call_command("load_demo")
    assert "are there already" in capsys.readouterr().out


def test_demo_secrets_are_stored_encrypted_like_any_import():
    call_command("load_demo")
    prd = MailSetup.objects.get(system__sid="PRD")
    assert prd.client_secret.is_set
    assert prd.tenant and prd.client_id
